divert(-1)
dnl #
dnl # S2K.Berkeley.EDU.m4 -- the Berkeley Sequoia 2000 sample domain:
dnl # CS.Berkeley.EDU with mail masqueraded as postgres.Berkeley.EDU.
dnl #
_cf_FILEID(`domain/S2K.Berkeley.EDU.m4')
DOMAIN(`CS.Berkeley.EDU')
MASQUERADE_AS(`postgres.Berkeley.EDU')
