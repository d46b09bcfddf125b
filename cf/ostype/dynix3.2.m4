divert(-1)
dnl #
dnl # dynix3.2.m4 -- OSTYPE(dynix3.2): Sequent DYNIX 3.2.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/dynix3.2.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
