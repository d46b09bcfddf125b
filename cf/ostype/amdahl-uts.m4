divert(-1)
dnl #
dnl # amdahl-uts.m4 -- OSTYPE(amdahl-uts): Amdahl UTS.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/amdahl-uts.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `fSn9')
define(`confEBINDIR', `/usr/lib')
