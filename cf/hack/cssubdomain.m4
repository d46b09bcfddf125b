divert(-1)
dnl #
dnl # cssubdomain.m4 -- placeholder: this hack is not implemented by our package yet
dnl #
_cf_FILEID(`hack/cssubdomain.m4')
_cf_warn(`HACK cssubdomain is not supported by this cf package yet; the cf is written without its settings')
