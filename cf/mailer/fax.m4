divert(-1)
dnl #
dnl # fax.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/fax.m4')
_cf_warn(`MAILER fax is not supported by this cf package yet; the cf is written without its settings')
