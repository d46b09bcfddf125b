divert(-1)
dnl #
dnl # msp_nullclient.m4 -- placeholder: this hack is not implemented by our package yet
dnl #
_cf_FILEID(`hack/msp_nullclient.m4')
_cf_warn(`HACK msp_nullclient is not supported by this cf package yet; the cf is written without its settings')
