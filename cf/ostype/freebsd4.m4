divert(-1)
dnl #
dnl # freebsd4.m4 -- OSTYPE(freebsd4): FreeBSD 4.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/freebsd4.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
MODIFY_MAILER_FLAGS(`LOCAL', `+S')
_cf_default(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_cf_default(`LOCAL_MAILER_ARGS', `mail $u')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
