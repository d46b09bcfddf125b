divert(-1)
dnl #
dnl # domaintable.m4 -- the domaintable map (argument: map definition, default domaintable)
dnl #
_cf_FILEID(`feature/domaintable.m4')
PUSHDIVERT(6)dnl
Kdomaintable ifelse(_ARG_, `', `_cf_mapdef(`domaintable')', _ARG_, `LDAP', `_cf_ldapmap(`domaintable')', `_ARG_')
POPDIVERT
