divert(-1)
dnl #
dnl # ptx2.m4 -- OSTYPE(ptx2): Sequent DYNIX/ptx 2.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/ptx2.m4')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
define(`LOCAL_MAILER_PATH', `/bin/mail')
_DEFIFNOT(`LOCAL_MAILER_FLAGS', `fmn9')
define(`LOCAL_SHELL_FLAGS', `eu')
define(`confEBINDIR', `/usr/lib')
