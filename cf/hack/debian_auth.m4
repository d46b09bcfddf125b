divert(-1)
dnl #
dnl # debian_auth.m4 -- placeholder: this hack is not implemented by our package yet
dnl #
_cf_FILEID(`hack/debian_auth.m4')
_cf_warn(`HACK debian_auth is not supported by this cf package yet; the cf is written without its settings')
