divert(-1)
dnl #
dnl # a-ux.m4 -- OSTYPE(a-ux): Apple A/UX.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/a-ux.m4')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
_DEFIFNOT(`UUCP_MAILER_PATH', `/usr/bin/uux')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `mn9')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `mail -d -r $f $u')
define(`confEBINDIR', `/usr/lib')
