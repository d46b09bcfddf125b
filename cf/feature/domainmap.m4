divert(-1)
dnl #
dnl # domainmap.m4 -- per-domain user maps (contrib)
dnl #
_cf_FILEID(`feature/domainmap.m4')
_cf_warn(`FEATURE(domainmap) is not supported by this cf package yet; the generated cf does not include it')
