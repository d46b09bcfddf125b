divert(-1)
dnl #
dnl # unicosmp.m4 -- OSTYPE(unicosmp): Cray UNICOS/mp.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/unicosmp.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `Ehm9')
_cf_default(`LOCAL_MAILER_ARGS', `mail -s -d $u')
_cf_default(`QUEUE_DIR', `/var/spool/mqueue')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
define(`LOCAL_MAILER_PATH', `/usr/bin/mail')
define(`confTIME_ZONE', `USE_TZ')
define(`confEBINDIR', `/usr/lib')
