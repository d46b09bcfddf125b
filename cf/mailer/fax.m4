divert(-1)
dnl #
dnl # fax.m4 -- the "fax" mailer (HylaFAX faxmail): user@number.FAX.
dnl # Adds FAX to the pseudo-domains; Parse1 routes .FAX hosts here unless
dnl # FAX_RELAY sends them elsewhere.  S=14/R=24 are numbered rulesets the
dnl # cf never defines; sendmail-cf names them the same way.
dnl #
dnl # Settings: FAX_MAILER_PATH, _ARGS, _MAX (100000), _QGRP.
dnl #
_cf_FILEID(`mailer/fax.m4')
_cf_default(`FAX_MAILER_ARGS', `faxmail -d $u@$h $f')
_cf_default(`FAX_MAILER_PATH', `/usr/bin/faxmail')
_cf_default(`FAX_MAILER_MAX', `100000')
PUSHDIVERT(6)dnl
CPFAX
POPDIVERT
divert(7)dnl

Mfax,		P=FAX_MAILER_PATH, F=DFMhu, S=14, R=24,
		M=FAX_MAILER_MAX, T=X-Phone/X-FAX/X-Unix,_cf_qgrp(`FAX_MAILER_QGRP')
		A=FAX_MAILER_ARGS

divert(-1)
