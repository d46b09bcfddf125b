divert(-1)
dnl #
dnl # unixware7.m4 -- OSTYPE(unixware7): SCO UnixWare 7.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/unixware7.m4')
_cf_default(`QUEUE_DIR', `/var/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
_cf_default(`LOCAL_MAILER_PATH', `/etc/mail/slocal')
_cf_default(`LOCAL_MAILER_FLAGS', `Puho9')
_cf_default(`LOCAL_MAILER_ARGS', `slocal -user $u')
_cf_default(`LOCAL_SHELL_FLAGS', `Peu')
