divert(-1)
dnl #
dnl # unixware7.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/unixware7.m4')
_cf_warn(`OSTYPE unixware7 is not supported by this cf package yet; the cf is written without its settings')
