divert(-1)
dnl #
dnl # smtp.m4 -- the SMTP mailers: smtp (plain), esmtp (ESMTP, the default
dnl # for remote mail), smtp8 (8-bit unencoded), dsmtp (on-demand, ETRN),
dnl # relay (to a smart host or hub: keeps full addresses).
dnl #
dnl # Settings: SMTP_MAILER_FLAGS, _MAX, _MAXMSGS, _MAXRCPTS, _CHARSET,
dnl # _LL, _ARGS, _QGRP; ESMTP_, SMTP8_, DSMTP_, RELAY_MAILER_ARGS, _FLAGS,
dnl # _QGRP, RELAY_MAILER_LL; MODIFY_MAILER_FLAGS(`SMTP') and the others.
dnl #
_cf_FILEID(`mailer/smtp.m4 (smtp, esmtp, smtp8, dsmtp, relay)')
_cf_default(`SMTP_MAILER_FLAGS', `')
_cf_default(`SMTP_MAILER_ARGS', `TCP $h')
_cf_default(`ESMTP_MAILER_ARGS', `TCP $h')
_cf_default(`SMTP8_MAILER_ARGS', `TCP $h')
_cf_default(`DSMTP_MAILER_ARGS', `TCP $h')
_cf_default(`RELAY_MAILER_ARGS', `TCP $h')
_cf_default(`RELAY_MAILER_FLAGS', SMTP_MAILER_FLAGS)
_cf_default(`SMTP_MAILER_LL', `990')
_cf_default(`RELAY_MAILER_LL', `2040')
_cf_default(`_cf_SMTP_EXTRA', `')
_cf_default(`_cf_RELAY_EXTRA', `')
define(`_cf_smtp_fields', `_cf_field(`SMTP_MAILER_MAX', `M')dnl
_cf_field(`SMTP_MAILER_MAXMSGS', `m')_cf_field(`SMTP_MAILER_MAXRCPTS', `r')dnl
_cf_field(`SMTP_MAILER_CHARSET', `C')')
define(`_cf_smtp_R', `ifdef(`_cf_feature_allmasquerade', `EnvToSMTP/HdrFromSMTP', `EnvToSMTP')')
define(`_cf_relay_R', `ifdef(`_cf_feature_allmasquerade', `MasqSMTP/MasqRelay', `MasqSMTP')')
dnl # _cf_smtp_line(name, NAME, base flags, args macro, qgrp macro)
define(`_cf_smtp_line', `M$1,		P=[IPC], F=_cf_mflags(`$2', `$3'SMTP_MAILER_FLAGS`'_cf_SMTP_EXTRA), S=EnvFromSMTP/HdrFromSMTP, R=_cf_smtp_R, E=\r\n, L=SMTP_MAILER_LL,
		_cf_smtp_fields`'T=DNS/RFC822/SMTP,ifdef(`$5', ` Q=$5,')
		A=$4')
divert(7)dnl

##################################################
###   SMTP mailers                             ###
##################################################

dnl addresses that leave unqualified get our name
SMasqSMTP
R$* < @ $* > $*			$@ $1 < @ $2 > $3
R$+				$@ $1 < @ *LOCAL* >

dnl pseudo-domain forms (.UUCP) back to real addresses
SPseudoToReal
R< @ $+ > $*			$@ < @ $1 > $2
R$+ < @ $+ .UUCP. >		$: < $2 ! > $1
R$+ < @ $* > $*			$@ $1 < @ $2 > $3
R< $&h ! > $+			$@ $>FromUucpPeer $1
R< $+ ! > $+			$: $1 ! $2 < @ $Y >
R$+ < @ $~[ $* : $+ >		$@ $1 < @ $4 >
R$+ < @ >			$: $1 < @ *LOCAL* >

dnl # FromUucpPeer path: a bang path that came from the UUCP neighbour $h,
dnl # with its first host (a .UUCP name unless it has dots) focused, or $h
dnl # itself when there is no further hop
SFromUucpPeer
R$-.$+ ! $+			$@ $3 < @ $1.$2 >
R$- ! $+			$@ $2 < @ $1 .UUCP. >
R$+				$@ $1 < @ $&h .UUCP. >

SEnvFromSMTP
R$+				$: $>PseudoToReal $1
R$* :; <@>			$@
R$*				$: $>MasqSMTP $1
R$+				$: $>MasqEnv $1

SEnvToSMTP
R$+				$: $>PseudoToReal $1
R$+				$: $>HereDot $>MasqSMTP $1

SHdrFromSMTP
R$+				$: $>PseudoToReal $1
R:; <@>				$@
R$* <@> $*			$@ $1 <@> $2
R< @ $* > $*			$@ < @ $1 > $2
R$+				$: $>MasqHdr $>MasqSMTP $1

dnl # MasqRelay: qualified like any SMTP address, then masqueraded
SMasqRelay
R$+				$: $>MasqHdr $>MasqSMTP $1

_cf_smtp_line(`smtp', `SMTP', `mDFMuX', `SMTP_MAILER_ARGS', `SMTP_MAILER_QGRP')
_cf_smtp_line(`esmtp', `ESMTP', `mDFMuXa', `ESMTP_MAILER_ARGS', `ESMTP_MAILER_QGRP')
_cf_smtp_line(`smtp8', `SMTP8', `mDFMuX8', `SMTP8_MAILER_ARGS', `SMTP8_MAILER_QGRP')
_cf_smtp_line(`dsmtp', `DSMTP', `mDFMuXa%', `DSMTP_MAILER_ARGS', `DSMTP_MAILER_QGRP')
Mrelay,		P=[IPC], F=_cf_mflags(`RELAY', `mDFMuXa8'RELAY_MAILER_FLAGS`'_cf_RELAY_EXTRA), S=EnvFromSMTP/HdrFromSMTP, R=_cf_relay_R, E=\r\n, L=RELAY_MAILER_LL,
		_cf_smtp_fields`'T=DNS/RFC822/SMTP,ifdef(`RELAY_MAILER_QGRP', ` Q=RELAY_MAILER_QGRP,')
		A=RELAY_MAILER_ARGS

divert(-1)
