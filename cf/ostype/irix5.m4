divert(-1)
dnl #
dnl # irix5.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/irix5.m4')
_cf_warn(`OSTYPE irix5 is not supported by this cf package yet; the cf is written without its settings')
