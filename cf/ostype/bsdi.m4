divert(-1)
dnl #
dnl # bsdi.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/bsdi.m4')
_cf_warn(`OSTYPE bsdi is not supported by this cf package yet; the cf is written without its settings')
