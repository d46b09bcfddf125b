divert(-1)
dnl #
dnl # uucp.m4 -- placeholder: this mailer is not implemented by our package yet
dnl #
_cf_FILEID(`mailer/uucp.m4')
_cf_warn(`MAILER uucp is not supported by this cf package yet; the cf is written without its settings')
