divert(-1)
dnl #
dnl # uucpdomain.m4 -- the uudomain map (argument: map definition, default uudomain)
dnl #
_cf_FILEID(`feature/uucpdomain.m4')
PUSHDIVERT(6)dnl
Kuudomain ifelse(_ARG_, `', `_cf_mapdef(`uudomain')', _ARG_, `LDAP', `_cf_ldapmap(`uudomain')', `_ARG_')
POPDIVERT
