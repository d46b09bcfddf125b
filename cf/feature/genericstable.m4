divert(-1)
dnl #
dnl # genericstable.m4 -- the generics map (argument: map definition, default genericstable)
dnl #
_cf_FILEID(`feature/genericstable.m4')
PUSHDIVERT(6)dnl
Kgenerics ifelse(_ARG_, `', `_cf_mapdef(`genericstable')', _ARG_, `LDAP', `_cf_ldapmap(`generics')', `_ARG_')
POPDIVERT
