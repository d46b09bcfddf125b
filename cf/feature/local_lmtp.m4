divert(-1)
dnl #
dnl # local_lmtp.m4 -- deliver local mail over LMTP to mail.local (path, argv)
dnl #
_cf_FILEID(`feature/local_lmtp.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(local_lmtp) must come before MAILER(local)')')
define(`LOCAL_MAILER_PATH', ifelse(_ARG_, `', `confEBINDIR/mail.local', `_ARG_'))
define(`LOCAL_MAILER_FLAGS', `PSXmnz9')
define(`LOCAL_MAILER_ARGS', ifelse(_ARG2_, `', `mail.local -l', `_ARG2_'))
define(`LOCAL_MAILER_DSN_DIAGNOSTIC_CODE', `SMTP')
dnl # mail.local -l speaks LMTP: the envelope sender is written as for SMTP
define(`_cf_LOCAL_LMTP', `')
