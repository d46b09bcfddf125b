divert(-1)
dnl #
dnl # dgux.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/dgux.m4')
_cf_warn(`OSTYPE dgux is not supported by this cf package yet; the cf is written without its settings')
