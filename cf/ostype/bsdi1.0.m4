divert(-1)
dnl #
dnl # bsdi1.0.m4 -- OSTYPE(bsdi1.0): an old name for OSTYPE(bsdi), kept so old
dnl # .mc files still build; it says so on stderr.
dnl #
_cf_FILEID(`ostype/bsdi1.0.m4')
_cf_note(`OSTYPE(bsdi1.0) is an old name; use OSTYPE(bsdi), which is read now')
include(_CF_DIR_`ostype/bsdi.m4')
