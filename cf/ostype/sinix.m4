divert(-1)
dnl #
dnl # sinix.m4 -- OSTYPE(sinix): Siemens SINIX.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/sinix.m4')
_DEFIFNOT(`QUEUE_DIR', `/var/spool/mqueue')
define(`LOCAL_MAILER_PATH', `/bin/mail.local')
_DEFIFNOT(`STATUS_FILE', `/var/sendmail.st')
define(`confEBINDIR', `/usr/ucblib')
