divert(-1)
dnl #
dnl # sunos3.5.m4 -- OSTYPE(sunos3.5): SunOS 3.5.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/sunos3.5.m4')
define(`confEBINDIR', `/usr/lib')
