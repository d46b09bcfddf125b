divert(-1)
dnl #
dnl # nextstep.m4 -- OSTYPE(nextstep): NeXTSTEP.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/nextstep.m4')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`LOCAL_SHELL_FLAGS', `euP')
define(`confEBINDIR', `/usr/lib')
