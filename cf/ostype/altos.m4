divert(-1)
dnl #
dnl # altos.m4 -- OSTYPE(altos): Altos System V.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/altos.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
_cf_default(`LOCAL_MAILER_PATH', `/usr/bin/lmail')
_cf_default(`LOCAL_MAILER_FLAGS', `mPuhCE9')
_cf_default(`LOCAL_MAILER_ARGS', `lmail $u')
_cf_default(`LOCAL_SHELL_FLAGS', `Peu')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g $h!rmail ($u)')
define(`confEBINDIR', `/usr/lib')
