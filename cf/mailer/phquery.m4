divert(-1)
dnl #
dnl # phquery.m4 -- the "ph" mailer: looks recipients up in a CCSO ph/qi
dnl # directory and forwards to the address found there.
dnl #
dnl # Settings: PH_MAILER_PATH, _FLAGS (added to nrDFM), _ARGS, _QGRP;
dnl # MODIFY_MAILER_FLAGS(`PH').
dnl #
_cf_FILEID(`mailer/phquery.m4')
_cf_default(`PH_MAILER_PATH', `/usr/local/etc/phquery')
_cf_default(`PH_MAILER_FLAGS', `ehmu')
_cf_default(`PH_MAILER_ARGS', `phquery -- $u')
divert(7)dnl

Mph,		P=PH_MAILER_PATH, F=_cf_mflags(`PH', `nrDFM'PH_MAILER_FLAGS), S=EnvFromL, R=EnvToL/HdrToL,
		T=DNS/RFC822/X-Unix,_cf_qgrp(`PH_MAILER_QGRP')
		A=PH_MAILER_ARGS

divert(-1)
