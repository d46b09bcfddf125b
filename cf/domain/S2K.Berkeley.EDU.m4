divert(-1)
dnl #
dnl # S2K.Berkeley.EDU.m4 -- placeholder: this domain is not implemented by our package yet
dnl #
_cf_FILEID(`domain/S2K.Berkeley.EDU.m4')
_cf_warn(`DOMAIN S2K.Berkeley.EDU is not supported by this cf package yet; the cf is written without its settings')
