divert(-1)
dnl #
dnl # solaris2.pre5.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/solaris2.pre5.m4')
_cf_warn(`OSTYPE solaris2.pre5 is not supported by this cf package yet; the cf is written without its settings')
