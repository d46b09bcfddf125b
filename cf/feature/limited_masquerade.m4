divert(-1)
dnl #
dnl # limited_masquerade.m4 -- masquerade only the domains in $=M, not all of $=w
dnl #
_cf_FILEID(`feature/limited_masquerade.m4')
