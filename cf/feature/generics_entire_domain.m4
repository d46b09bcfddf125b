divert(-1)
dnl #
dnl # generics_entire_domain.m4 -- genericstable applies to subdomains of $=G too
dnl #
_cf_FILEID(`feature/generics_entire_domain.m4')
