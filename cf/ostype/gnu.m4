divert(-1)
dnl #
dnl # gnu.m4 -- OSTYPE(gnu): GNU Hurd.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/gnu.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
_cf_default(`LOCAL_MAILER_PATH', `/libexec/mail.local')
_cf_default(`LOCAL_MAILER_ARGS', `mail $u')
define(`confEBINDIR', `/libexec')
