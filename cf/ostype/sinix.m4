divert(-1)
dnl #
dnl # sinix.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/sinix.m4')
_cf_warn(`OSTYPE sinix is not supported by this cf package yet; the cf is written without its settings')
