divert(-1)
dnl #
dnl # ptx2.m4 -- OSTYPE(ptx2): Sequent DYNIX/ptx 2.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/ptx2.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
define(`LOCAL_MAILER_PATH', `/bin/mail')
_cf_default(`LOCAL_MAILER_FLAGS', `fmn9')
define(`LOCAL_SHELL_FLAGS', `eu')
define(`confEBINDIR', `/usr/lib')
