divert(-1)
dnl #
dnl # local_procmail.m4 -- deliver local mail with procmail (path, argv, flags)
dnl #
_cf_FILEID(`feature/local_procmail.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(local_procmail) must come before MAILER(local)')')
define(`LOCAL_MAILER_PATH', ifelse(_ARG_, `', `ifdef(`PROCMAIL_MAILER_PATH', `PROCMAIL_MAILER_PATH', `/usr/local/bin/procmail')', `_ARG_'))
define(`LOCAL_MAILER_ARGS', ifelse(_ARG2_, `', `procmail -a $h -d $u', `_ARG2_'))
define(`LOCAL_MAILER_FLAGS', ifelse(_ARG3_, `', `SPfhn9', `_ARG3_'))
dnl # procmail is not an LMTP server: forget an earlier FEATURE(local_lmtp)
undefine(`_cf_LOCAL_LMTP')
