divert(-1)
dnl #
dnl # pop.m4 -- the "pop" mailer (MH spop): user@POP goes to a POP-only
dnl # mailbox.  Adds POP to the pseudo-domains.
dnl #
dnl # Settings: POP_MAILER_PATH, _FLAGS (added to lsDFMq), _ARGS, _QGRP;
dnl # MODIFY_MAILER_FLAGS(`POP').
dnl #
_cf_FILEID(`mailer/pop.m4')
_cf_default(`POP_MAILER_PATH', `/usr/lib/mh/spop')
_cf_default(`POP_MAILER_FLAGS', `Penu')
_cf_default(`POP_MAILER_ARGS', `pop $u')
PUSHDIVERT(6)dnl
CPPOP
POPDIVERT
divert(7)dnl

Mpop,		P=POP_MAILER_PATH, F=_cf_mflags(`POP', `lsDFMq'POP_MAILER_FLAGS), S=EnvFromL, R=EnvToL/HdrToL,
		T=DNS/RFC822/X-Unix,_cf_qgrp(`POP_MAILER_QGRP')
		A=POP_MAILER_ARGS

divert(-1)
