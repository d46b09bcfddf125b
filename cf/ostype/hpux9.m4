divert(-1)
dnl #
dnl # hpux9.m4 -- OSTYPE(hpux9): HP-UX 9.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/hpux9.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`LOCAL_MAILER_PATH', `/bin/rmail')
_cf_default(`LOCAL_MAILER_FLAGS', `m9')
_cf_default(`LOCAL_MAILER_ARGS', `rmail -d $u')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g -gC $h!rmail ($u)')
define(`confTIME_ZONE', `USE_TZ')
define(`confEBINDIR', `/usr/lib')
