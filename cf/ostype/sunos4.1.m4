divert(-1)
dnl #
dnl # sunos4.1.m4 -- OSTYPE(sunos4.1): SunOS 4.1.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/sunos4.1.m4')
define(`confEBINDIR', `/usr/lib')
