divert(-1)
dnl #
dnl # relay_entire_domain.m4 -- relay for every host of our domain $m
dnl #
_cf_FILEID(`feature/relay_entire_domain.m4')
