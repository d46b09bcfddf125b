divert(-1)
dnl #
dnl # mail11.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/mail11.m4')
_cf_warn(`MAILER mail11 is not supported by this cf package yet; the cf is written without its settings')
