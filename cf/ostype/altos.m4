divert(-1)
dnl #
dnl # altos.m4 -- OSTYPE(altos): Altos System V.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/altos.m4')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
_DEFIFNOT(`UUCP_MAILER_PATH', `/usr/bin/uux')
_DEFIFNOT(`LOCAL_MAILER_PATH', `/usr/bin/lmail')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `mPuhCE9')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `lmail $u')
_DEFIFNOT(`LOCAL_SHELL_FLAGS', `Peu')
_DEFIFNOT(`UUCP_MAILER_ARGS', `uux - -r -a$g $h!rmail ($u)')
define(`confEBINDIR', `/usr/lib')
