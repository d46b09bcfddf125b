divert(-1)
dnl #
dnl # relay_based_on_MX.m4 -- relay to domains whose MX list holds this host
dnl #
_cf_FILEID(`feature/relay_based_on_MX.m4')
PUSHDIVERT(6)dnl
Kmxserved bestmx -z: -T<TEMP>
POPDIVERT
