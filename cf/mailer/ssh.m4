divert(-1)
dnl #
dnl # ssh.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/ssh.m4')
_cf_warn(`MAILER ssh is not supported by this cf package yet; the cf is written without its settings')
