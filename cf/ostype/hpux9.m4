divert(-1)
dnl #
dnl # hpux9.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/hpux9.m4')
_cf_warn(`OSTYPE hpux9 is not supported by this cf package yet; the cf is written without its settings')
