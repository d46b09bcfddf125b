divert(-1)
dnl #
dnl # hpux10.m4 -- OSTYPE(hpux10): HP-UX 10.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/hpux10.m4')
_cf_default(`QUEUE_DIR', `/var/spool/mqueue')
_cf_default(`LOCAL_MAILER_PATH', `/usr/bin/rmail')
_cf_default(`LOCAL_MAILER_FLAGS', `m9')
_cf_default(`LOCAL_MAILER_ARGS', `rmail -d $u')
_cf_default(`LOCAL_SHELL_PATH', `/usr/bin/sh')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g -gC $h!rmail ($u)')
define(`confTIME_ZONE', `USE_TZ')
