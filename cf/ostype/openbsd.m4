divert(-1)
dnl #
dnl # openbsd.m4 -- OSTYPE(openbsd): OpenBSD.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/openbsd.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
_cf_default(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_cf_default(`LOCAL_MAILER_FLAGS', `rmn9S')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
