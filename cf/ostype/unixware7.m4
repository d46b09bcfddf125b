divert(-1)
dnl #
dnl # unixware7.m4 -- OSTYPE(unixware7): SCO UnixWare 7.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/unixware7.m4')
_DEFIFNOT(`QUEUE_DIR', `/var/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/etc/mail/slocal')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `Puho9')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `slocal -user $u')
_DEFIFNOT(`LOCAL_SHELL_FLAGS', `Peu')
