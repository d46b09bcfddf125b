divert(-1)
dnl #
dnl # procmail.m4 -- the "procmail" mailer, for mailertable entries such as
dnl # "example.com procmail:/etc/procmailrcs/example".  (For local delivery
dnl # through procmail use FEATURE(local_procmail) instead.)
dnl #
dnl # Settings: PROCMAIL_MAILER_PATH, _FLAGS, _ARGS, _MAX, _QGRP;
dnl # MODIFY_MAILER_FLAGS(`PROCMAIL').
dnl #
_cf_FILEID(`mailer/procmail.m4')
_cf_default(`PROCMAIL_MAILER_FLAGS', `SPhnu9')
_cf_default(`PROCMAIL_MAILER_ARGS', `procmail -Y -m $h $f $u')
divert(7)dnl

Mprocmail,	P=ifdef(`PROCMAIL_MAILER_PATH', `PROCMAIL_MAILER_PATH', `/usr/local/bin/procmail'), F=_cf_mflags(`PROCMAIL', `DFM'PROCMAIL_MAILER_FLAGS), S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP/HdrFromSMTP,
		_cf_field(`PROCMAIL_MAILER_MAX', `M')T=DNS/RFC822/X-Unix,ifdef(`PROCMAIL_MAILER_QGRP', ` Q=PROCMAIL_MAILER_QGRP,')
		A=PROCMAIL_MAILER_ARGS

divert(-1)
