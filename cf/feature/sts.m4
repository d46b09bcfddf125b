divert(-1)
dnl #
dnl # sts.m4 -- MTA-STS (RFC 8461) through a policy daemon
dnl #
_cf_FILEID(`feature/sts.m4')
_cf_warn(`FEATURE(sts) is not supported by this cf package yet; the generated cf does not include it')
