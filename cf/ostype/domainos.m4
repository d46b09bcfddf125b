divert(-1)
dnl #
dnl # domainos.m4 -- OSTYPE(domainos): Apollo Domain/OS.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/domainos.m4')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
