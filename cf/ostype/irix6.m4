divert(-1)
dnl #
dnl # irix6.m4 -- OSTYPE(irix6): SGI IRIX 6.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/irix6.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `Ehmu9')
_cf_default(`LOCAL_MAILER_ARGS', `mail -s -d $u')
_cf_default(`QUEUE_DIR', `/var/spool/mqueue')
_cf_default(`STATUS_FILE', `/var/sendmail.st')
define(`confDEF_USER_ID', `998:998')
define(`confTIME_ZONE', `USE_TZ')
define(`confEBINDIR', `/usr/lib')
dnl # sendmail-cf's file sets this from inside a "#" line, which m4 still
dnl # runs (comments are off in the package), so its cfs carry C=iso-8859-1
define(`LOCAL_MAILER_CHARSET', `iso-8859-1')
