divert(-1)
dnl #
dnl # nextstep.m4 -- OSTYPE(nextstep): NeXTSTEP.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/nextstep.m4')
_DEFIFNOT(`UUCP_MAILER_PATH', `/usr/bin/uux')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
_DEFIFNOT(`LOCAL_SHELL_FLAGS', `euP')
define(`confEBINDIR', `/usr/lib')
