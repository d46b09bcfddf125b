divert(-1)
dnl #
dnl # mtamark.m4 -- MTA MARK TXT lookups
dnl #
_cf_FILEID(`feature/mtamark.m4')
_cf_warn(`FEATURE(mtamark) is not supported by this cf package yet; the generated cf does not include it')
