divert(-1)
dnl #
dnl # bsdi.m4 -- OSTYPE(bsdi): BSD/OS, which takes the 4.4BSD settings.
dnl #
_cf_FILEID(`ostype/bsdi.m4')
include(_CF_DIR_`ostype/bsd4.4.m4')
