divert(-1)
dnl #
dnl # mpeix.m4 -- OSTYPE(mpeix): HP MPE/iX.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/mpeix.m4')
_cf_default(`LOCAL_MAILER_PATH', `/bin/tsmail')
_cf_default(`LOCAL_MAILER_FLAGS', `mu9')
_cf_default(`LOCAL_MAILER_ARGS', `tsmail $u')
_cf_default(`LOCAL_SHELL_PATH', `/bin/sh')
_cf_default(`confDEF_USER_ID', `SERVER.SENDMAIL')
_cf_default(`confTRUSTED_USER', `SERVER.SENDMAIL')
define(`confTIME_ZONE', `USE_TZ')
define(`confDONT_BLAME_SENDMAIL', `ForwardFileInGroupWritableDirPath')
