divert(-1)
dnl #
dnl # qnx.m4 -- OSTYPE(qnx): QNX.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/qnx.m4')
define(`QUEUE_DIR', `/usr/spool/mqueue')
define(`LOCAL_MAILER_ARGS', `mail $u')
_cf_default(`LOCAL_MAILER_FLAGS', `Sh')
define(`LOCAL_MAILER_PATH', `/usr/bin/mailx')
define(`UUCP_MAILER_ARGS', `uux - -r -z -a$f $h!rmail ($u)')
