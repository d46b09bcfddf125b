divert(-1)
dnl #
dnl # rhsbl.m4 -- sender-domain block lists (third party)
dnl #
_cf_FILEID(`feature/rhsbl.m4')
_cf_warn(`FEATURE(rhsbl) is not supported by this cf package yet; the generated cf does not include it')
