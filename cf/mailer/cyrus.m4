divert(-1)
dnl #
dnl # cyrus.m4 -- the old Cyrus IMAP delivery program as two mailers:
dnl # "cyrus" (a user's mailbox) and "cyrusbb" (a bulletin board).
dnl #
dnl # Settings: CYRUS_MAILER_PATH (default Debian's /usr/sbin/cyrdeliver),
dnl # CYRUS_MAILER_FLAGS, _ARGS, _USER (cyrus:mail), _MAX, _QGRP;
dnl # CYRUS_BB_MAILER_FLAGS, _ARGS; MODIFY_MAILER_FLAGS(`CYRUS').
dnl #
_cf_FILEID(`mailer/cyrus.m4')
_cf_default(`CYRUS_MAILER_FLAGS', `Ah5@/:|')
_cf_default(`CYRUS_MAILER_PATH', `/usr/sbin/cyrdeliver')
_cf_default(`CYRUS_MAILER_ARGS', `cyrdeliver -e -m $h -- $u')
_cf_default(`CYRUS_MAILER_USER', `cyrus:mail')
_cf_default(`CYRUS_BB_MAILER_FLAGS', `u')
_cf_default(`CYRUS_BB_MAILER_ARGS', `cyrdeliver -e -m $u')
define(`_cf_cyrus_tail', `_cf_field(`CYRUS_MAILER_MAX', `M')U=CYRUS_MAILER_USER, T=DNS/RFC822/X-Unix,_cf_qgrp(`CYRUS_MAILER_QGRP')')
divert(7)dnl

Mcyrus,		P=CYRUS_MAILER_PATH, F=_cf_mflags(`CYRUS', `lsDFMnPq'CYRUS_MAILER_FLAGS), S=EnvFromL, R=EnvToL/HdrToL,
		_cf_cyrus_tail
		A=CYRUS_MAILER_ARGS
Mcyrusbb,	P=CYRUS_MAILER_PATH, F=_cf_mflags(`CYRUS', `lsDFMnP'CYRUS_BB_MAILER_FLAGS), S=EnvFromL, R=EnvToL/HdrToL,
		_cf_cyrus_tail
		A=CYRUS_BB_MAILER_ARGS

divert(-1)
