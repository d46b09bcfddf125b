divert(-1)
dnl #
dnl # a-ux.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/a-ux.m4')
_cf_warn(`OSTYPE a-ux is not supported by this cf package yet; the cf is written without its settings')
