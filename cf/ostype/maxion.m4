divert(-1)
dnl #
dnl # maxion.m4 -- OSTYPE(maxion): Concurrent MAXION.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/maxion.m4')
define(`QUEUE_DIR', `/var/spool/mqueue')
define(`STATUS_FILE', `/var/adm/log/sendmail.st')
define(`LOCAL_MAILER_PATH', `/usr/bin/mail')
define(`LOCAL_SHELL_FLAGS', `ehuP')
define(`LOCAL_MAILER_ARGS', `mail $u')
define(`UUCP_MAILER_ARGS', `uux - -r -a$g -gmedium $h!rmail ($u)')
define(`confEBINDIR', `/usr/ucblib')
