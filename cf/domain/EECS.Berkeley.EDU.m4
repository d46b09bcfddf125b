divert(-1)
dnl #
dnl # EECS.Berkeley.EDU.m4 -- the Berkeley EECS sample domain: Berkeley.EDU
dnl # with mail masqueraded as EECS.Berkeley.EDU.
dnl #
_cf_FILEID(`domain/EECS.Berkeley.EDU.m4')
DOMAIN(`Berkeley.EDU')
MASQUERADE_AS(`EECS.Berkeley.EDU')
