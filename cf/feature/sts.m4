divert(-1)
dnl #
dnl # sts.m4 -- MTA-STS (RFC 8461) for outgoing mail: a policy daemon,
dnl # asked through the sts map, says which recipient domains require a
dnl # verified TLS connection to a server their policy names.
dnl #   arg 1: map definition (default: a socket map on 127.0.0.1:5461)
dnl #   arg 2: NO_SAN_TST -- do not require the server name among the
dnl #          certificate's subjectAltNames
dnl # The rulesets (STS_Check, STS_secure, STS_SAN, Set_SNI, ...) are
dnl # written by rules_tls.m4; the regex maps they use by proto.m4.
dnl #
_cf_FILEID(`feature/sts.m4')
define(`_cf_NEED_MACRO_MAP', `1')
ifelse(_ARG2_, `NO_SAN_TST', `', `define(`_cf_STS_SAN', `1')')
PUSHDIVERT(6)dnl
O StrictTransportSecurity=true
ifdef(`_cf_STS_SAN', `O SetCertAltnames=true
')dnl
Ksts ifelse(_ARG_, `', `socket -d5 -T<TMPF> inet:5461@127.0.0.1', `_ARG_')
POPDIVERT
