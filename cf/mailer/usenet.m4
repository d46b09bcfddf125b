divert(-1)
dnl #
dnl # usenet.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/usenet.m4')
_cf_warn(`MAILER usenet is not supported by this cf package yet; the cf is written without its settings')
