divert(-1)
dnl #
dnl # debian-msp.m4 -- placeholder: this domain is not implemented by our package yet
dnl #
_cf_FILEID(`domain/debian-msp.m4')
_cf_warn(`DOMAIN debian-msp is not supported by this cf package yet; the cf is written without its settings')
