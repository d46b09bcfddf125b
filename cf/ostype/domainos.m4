divert(-1)
dnl #
dnl # domainos.m4 -- OSTYPE(domainos): Apollo Domain/OS.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/domainos.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
