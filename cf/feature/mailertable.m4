divert(-1)
dnl #
dnl # mailertable.m4 -- the mailertable map (argument: map definition, default mailertable)
dnl #
_cf_FILEID(`feature/mailertable.m4')
PUSHDIVERT(6)dnl
Kmailertable ifelse(_ARG_, `', `_cf_mapdef(`mailertable')', _ARG_, `LDAP', `_cf_ldapmap(`mailertable')', `_ARG_')
POPDIVERT
