divert(-1)
dnl #
dnl # aix5.m4 -- OSTYPE(aix5): IBM AIX 5 and later.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/aix5.m4')
_cf_default(`LOCAL_MAILER_PATH', `/bin/bellmail')
_cf_default(`LOCAL_MAILER_ARGS', `mail -F $g $u')
_cf_default(`LOCAL_MAILER_FLAGS', `mn9')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
