divert(-1)
dnl #
dnl # bitdomain.m4 -- the bitdomain map (argument: map definition, default bitdomain)
dnl #
_cf_FILEID(`feature/bitdomain.m4')
PUSHDIVERT(6)dnl
Kbitdomain ifelse(_ARG_, `', `_cf_mapdef(`bitdomain')', _ARG_, `LDAP', `_cf_ldapmap(`bitdomain')', `_ARG_')
POPDIVERT
