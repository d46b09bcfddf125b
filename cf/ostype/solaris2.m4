divert(-1)
dnl #
dnl # solaris2.m4 -- OSTYPE(solaris2): Sun Solaris 2.5 and later.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/solaris2.m4')
_cf_default(`LOCAL_MAILER_PATH', `/usr/lib/mail.local')
_cf_default(`LOCAL_MAILER_FLAGS', `fSmn9')
_cf_default(`LOCAL_MAILER_ARGS', `mail.local -d $u')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g $h!rmail ($u)')
define(`confEBINDIR', `/usr/lib')
