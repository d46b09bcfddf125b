divert(-1)
dnl #
dnl # aix5.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/aix5.m4')
_cf_warn(`OSTYPE aix5 is not supported by this cf package yet; the cf is written without its settings')
