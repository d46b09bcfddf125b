divert(-1)
dnl #
dnl # authinfo.m4 -- the authinfo map (argument: map definition, default authinfo)
dnl #
_cf_FILEID(`feature/authinfo.m4')
PUSHDIVERT(6)dnl
Kauthinfo ifelse(_ARG_, `', `_cf_mapdef(`authinfo')', _ARG_, `LDAP', `_cf_ldapmap(`authinfo')', `_ARG_')
POPDIVERT
