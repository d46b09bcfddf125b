divert(-1)
dnl #
dnl # xagent.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/xagent.m4')
_cf_warn(`MAILER xagent is not supported by this cf package yet; the cf is written without its settings')
