divert(-1)
dnl #
dnl # cyrusv2.m4 -- the "cyrusv2" mailer: hands mail to a Cyrus IMAP 2.x
dnl # server over LMTP on a socket (confLOCAL_MAILER can name it).
dnl #
dnl # Settings: CYRUSV2_MAILER_FLAGS (added to lsDFMnqXz), _ARGS (the
dnl # socket, default FILE /var/run/cyrus/socket/lmtp), _MAXMSGS, _MAXRCPTS,
dnl # _CHARSET, _QGRP; MODIFY_MAILER_FLAGS(`CYRUSV2').
dnl #
_cf_FILEID(`mailer/cyrusv2.m4')
_cf_default(`CYRUSV2_MAILER_FLAGS', `A@/:|m')
_cf_default(`CYRUSV2_MAILER_ARGS', `FILE /var/run/cyrus/socket/lmtp')
divert(7)dnl

Mcyrusv2,	P=[IPC], F=_cf_mflags(`CYRUSV2', `lsDFMnqXz'CYRUSV2_MAILER_FLAGS), S=EnvFromSMTP/HdrFromL, R=EnvToL/HdrToL, E=\r\n,
		_cf_field(`CYRUSV2_MAILER_MAXMSGS', `m')_cf_field(`CYRUSV2_MAILER_MAXRCPTS', `r')_cf_field(`CYRUSV2_MAILER_CHARSET', `C')T=DNS/RFC822/SMTP,_cf_qgrp(`CYRUSV2_MAILER_QGRP')
		A=CYRUSV2_MAILER_ARGS

divert(-1)
