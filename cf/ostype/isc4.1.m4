divert(-1)
dnl #
dnl # isc4.1.m4 -- OSTYPE(isc4.1): Interactive UNIX 4.1.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/isc4.1.m4')
_cf_default(`LOCAL_MAILER_ARGS', `lmail -s $u')
_cf_default(`LOCAL_MAILER_FLAGS', `humS9')
_cf_default(`LOCAL_MAILER_PATH', `/bin/lmail')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -gC $h!rmail ($u)')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
define(`confTIME_ZONE', `USE_TZ')
define(`confEBINDIR', `/usr/lib')
