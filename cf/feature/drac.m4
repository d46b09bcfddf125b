divert(-1)
dnl #
dnl # drac.m4 -- the drac map (argument: map definition, default drac)
dnl #
_cf_FILEID(`feature/drac.m4')
PUSHDIVERT(6)dnl
Kdrac ifelse(_ARG_, `', `_cf_mapdef(`drac')', _ARG_, `LDAP', `_cf_ldapmap(`drac')', `_ARG_')
POPDIVERT
