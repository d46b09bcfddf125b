divert(-1)
dnl #
dnl # solaris2.ml.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/solaris2.ml.m4')
_cf_warn(`OSTYPE solaris2.ml is not supported by this cf package yet; the cf is written without its settings')
