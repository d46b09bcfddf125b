divert(-1)
dnl #
dnl # virthost_by_ip.m4 -- placeholder: this hack is not implemented by our package yet
dnl #
_cf_FILEID(`hack/virthost_by_ip.m4')
_cf_warn(`HACK virthost_by_ip is not supported by this cf package yet; the cf is written without its settings')
