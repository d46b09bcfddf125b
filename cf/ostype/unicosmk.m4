divert(-1)
dnl #
dnl # unicosmk.m4 -- OSTYPE(unicosmk): Cray UNICOS/mk.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/unicosmk.m4')
define(`ALIAS_FILE', `/usr/lib/aliases')
define(`HELP_FILE', `/usr/lib/sendmail.hf')
define(`QUEUE_DIR', `/usr/spool/mqueue')
define(`STATUS_FILE', `/usr/lib/sendmail.st')
dnl # no local flag change: sendmail-cf's file asks for one with the name
dnl # written `LOCAL' , (space before the comma), which names no mailer
MODIFY_MAILER_FLAGS(`SMTP', `+anpeLC')
define(`LOCAL_SHELL_FLAGS', `lsDFMpxehuo')
define(`confPID_FILE', `/etc/sendmail.pid')
