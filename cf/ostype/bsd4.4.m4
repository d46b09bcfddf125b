divert(-1)
dnl #
dnl # bsd4.4.m4 -- OSTYPE(bsd4.4): 4.4BSD and systems built on it.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/bsd4.4.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
_cf_default(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
