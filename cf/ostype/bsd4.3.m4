divert(-1)
dnl #
dnl # bsd4.3.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/bsd4.3.m4')
_cf_warn(`OSTYPE bsd4.3 is not supported by this cf package yet; the cf is written without its settings')
