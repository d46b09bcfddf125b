divert(-1)
dnl #
dnl # ultrix4.m4 -- OSTYPE(ultrix4): DEC Ultrix 4.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/ultrix4.m4')
define(`confEBINDIR', `/usr/lib')
