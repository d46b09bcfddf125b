divert(-1)
dnl #
dnl # riscos4.5.m4 -- OSTYPE(riscos4.5): MIPS RISC/os 4.5.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/riscos4.5.m4')
_cf_default(`LOCAL_MAILER_ARGS', `rmail -d $u')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
define(`confEBINDIR', `/usr/lib')
