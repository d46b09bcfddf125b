divert(-1)
dnl #
dnl # sunos4.1.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/sunos4.1.m4')
_cf_warn(`OSTYPE sunos4.1 is not supported by this cf package yet; the cf is written without its settings')
