divert(-1)
dnl #
dnl # qnx.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/qnx.m4')
_cf_warn(`OSTYPE qnx is not supported by this cf package yet; the cf is written without its settings')
