divert(-1)
dnl #
dnl # irix4.m4 -- OSTYPE(irix4): SGI IRIX 4.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/irix4.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `Ehm9')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
