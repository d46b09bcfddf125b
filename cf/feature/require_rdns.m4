divert(-1)
dnl #
dnl # require_rdns.m4 -- refuse clients whose reverse DNS fails
dnl #
_cf_FILEID(`feature/require_rdns.m4')
