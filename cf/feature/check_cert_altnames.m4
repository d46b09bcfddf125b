divert(-1)
dnl #
dnl # check_cert_altnames.m4 -- match certificate subjectAltNames too
dnl #
_cf_FILEID(`feature/check_cert_altnames.m4')
PUSHDIVERT(6)dnl
O SetCertAltnames=true
POPDIVERT
