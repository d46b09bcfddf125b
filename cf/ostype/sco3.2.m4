divert(-1)
dnl #
dnl # sco3.2.m4 -- OSTYPE(sco3.2): SCO UNIX 3.2.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/sco3.2.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
_cf_default(`LOCAL_MAILER_PATH', `/usr/bin/lmail')
_cf_default(`LOCAL_MAILER_FLAGS', `PuhCE9')
_cf_default(`LOCAL_MAILER_ARGS', `lmail $u')
_cf_default(`LOCAL_SHELL_FLAGS', `Peu')
define(`confEBINDIR', `/usr/lib')
