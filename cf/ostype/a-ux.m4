divert(-1)
dnl #
dnl # a-ux.m4 -- OSTYPE(a-ux): Apple A/UX.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/a-ux.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
_cf_default(`LOCAL_MAILER_FLAGS', `mn9')
_cf_default(`LOCAL_MAILER_ARGS', `mail -d -r $f $u')
define(`confEBINDIR', `/usr/lib')
