divert(-1)
dnl #
dnl # virtusertable.m4 -- the virtuser map (argument: map definition, default virtusertable)
dnl #
_cf_FILEID(`feature/virtusertable.m4')
PUSHDIVERT(6)dnl
Kvirtuser ifelse(_ARG_, `', `_cf_mapdef(`virtusertable')', _ARG_, `LDAP', `_cf_ldapmap(`virtuser')', `_ARG_')
POPDIVERT
