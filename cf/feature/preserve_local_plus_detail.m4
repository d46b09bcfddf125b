divert(-1)
dnl #
dnl # preserve_local_plus_detail.m4 -- keep user+detail intact in ruleset 5
dnl #
_cf_FILEID(`feature/preserve_local_plus_detail.m4')
