divert(-1)
dnl #
dnl # riscos4.5.m4 -- OSTYPE(riscos4.5): MIPS RISC/os 4.5.
dnl # A value the .mc defines before OSTYPE() wins over each _DEFIFNOT here.
dnl #
_cf_FILEID(`ostype/riscos4.5.m4')
_DEFIFNOT(`LOCAL_MAILER_ARGS', `rmail -d $u')
_DEFIFNOT(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
