divert(-1)
dnl #
dnl # mpeix.m4 -- OSTYPE(mpeix): HP MPE/iX.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/mpeix.m4')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/bin/tsmail')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `mu9')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `tsmail $u')
_DEFIFNOT(`LOCAL_SHELL_PATH', `/bin/sh')
_DEFIFNOT(`confDEF_USER_ID', `SERVER.SENDMAIL')
_DEFIFNOT(`confTRUSTED_USER', `SERVER.SENDMAIL')
define(`confTIME_ZONE', `USE_TZ')
define(`confDONT_BLAME_SENDMAIL', `ForwardFileInGroupWritableDirPath')
