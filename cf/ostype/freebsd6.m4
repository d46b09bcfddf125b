divert(-1)
dnl #
dnl # freebsd6.m4 -- OSTYPE(freebsd6): FreeBSD 6 and later (used by FreeBSD's own freebsd.mc).
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/freebsd6.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
MODIFY_MAILER_FLAGS(`LOCAL', `+S')
_cf_default(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_cf_default(`LOCAL_MAILER_ARGS', `mail $u')
_cf_default(`UUCP_MAILER_PATH', `/usr/local/bin/uux')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
