divert(-1)
dnl #
dnl # cyrusv2.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/cyrusv2.m4')
_cf_warn(`MAILER cyrusv2 is not supported by this cf package yet; the cf is written without its settings')
