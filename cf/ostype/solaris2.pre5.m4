divert(-1)
dnl #
dnl # solaris2.pre5.m4 -- OSTYPE(solaris2.pre5): Sun Solaris 2 before 2.5.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/solaris2.pre5.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `SnE9')
_cf_default(`LOCAL_MAILER_ARGS', `mail -f $g -d $u')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g $h!rmail ($u)')
define(`confEBINDIR', `/usr/lib')
