divert(-1)
dnl #
dnl # aix3.m4 -- OSTYPE(aix3): IBM AIX 3.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/aix3.m4')
_cf_default(`LOCAL_MAILER_PATH', `/bin/bellmail')
_cf_default(`LOCAL_MAILER_ARGS', `mail $u')
_cf_default(`LOCAL_MAILER_FLAGS', `mn9')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
