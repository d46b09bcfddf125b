divert(-1)
dnl #
dnl # sinix.m4 -- OSTYPE(sinix): Siemens SINIX.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/sinix.m4')
_cf_default(`QUEUE_DIR', `/var/spool/mqueue')
define(`LOCAL_MAILER_PATH', `/bin/mail.local')
_cf_default(`STATUS_FILE', `/var/sendmail.st')
define(`confEBINDIR', `/usr/ucblib')
