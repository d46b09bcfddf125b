divert(-1)
dnl #
dnl # berkeley-only.m4 -- placeholder: this domain is not implemented by our package yet
dnl #
_cf_FILEID(`domain/berkeley-only.m4')
_cf_warn(`DOMAIN berkeley-only is not supported by this cf package yet; the cf is written without its settings')
