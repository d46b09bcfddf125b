divert(-1)
dnl #
dnl # openbsd.m4 -- OSTYPE(openbsd): OpenBSD.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/openbsd.m4')
_DEFIFNOT(`STATUS_FILE', `/var/log/sendmail.st')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `rmn9S')
_DEFIFNOT(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
