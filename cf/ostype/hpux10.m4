divert(-1)
dnl #
dnl # hpux10.m4 -- OSTYPE(hpux10): HP-UX 10.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/hpux10.m4')
_DEFIFNOT(`QUEUE_DIR', `/var/spool/mqueue')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/usr/bin/rmail')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `m9')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `rmail -d $u')
_DEFIFNOT(`LOCAL_SHELL_PATH', `/usr/bin/sh')
_DEFIFNOT(`UUCP_MAILER_ARGS', `uux - -r -a$g -gC $h!rmail ($u)')
define(`confTIME_ZONE', `USE_TZ')
