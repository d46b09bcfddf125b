divert(-1)
dnl #
dnl # aix3.m4 -- OSTYPE(aix3): IBM AIX 3.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/aix3.m4')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/bin/bellmail')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `mail $u')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `mn9')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
