divert(-1)
dnl #
dnl # phquery.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/phquery.m4')
_cf_warn(`MAILER phquery is not supported by this cf package yet; the cf is written without its settings')
