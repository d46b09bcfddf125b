divert(-1)
dnl #
dnl # mail11.m4 -- the "mail11" mailer: DECnet mail through the mail11
dnl # program.  Reading it turns on the node::user syntax (.DECNET hosts),
dnl # adds DECNET to the pseudo domains and lets ParseLocal hand
dnl # user@node.DECNET addresses to this mailer (our own nodes: local).
dnl #
dnl # Settings: MAIL11_MAILER_PATH, _FLAGS, _ARGS, _QGRP;
dnl # MODIFY_MAILER_FLAGS(`MAIL11').
dnl #
_cf_FILEID(`mailer/mail11.m4')
_cf_default(`MAIL11_MAILER_PATH', `/usr/etc/mail11')
_cf_default(`MAIL11_MAILER_FLAGS', `nsFx')
_cf_default(`MAIL11_MAILER_ARGS', `mail11 $g $x $h $u')
define(`_USE_DECNET_SYNTAX_', `1')
divert(3)dnl
dnl # DECnet nodes: one of ours is local delivery, others go to mail11
R$* < @ $=w .DECNET. >		$: <ours> $1
R<ours> $*			$#`'confLOCAL_MAILER $: $1
R$+ < @ $+ .DECNET. >		$#mail11 $@ $2 $: $1
divert(6)dnl
CPDECNET
divert(7)dnl

dnl # Mail11To address: user@node.DECNET (or .LOCAL, or one of our names)
dnl # as node::user, a .UUCP host as host!user; our own node name dropped
SMail11To
R$+ < @ $- . UUCP >		$: $2 ! $1
R$+ < @ $- . DECNET >		$: $2 :: $1
R$+ < @ $- . LOCAL >		$: $2 :: $1
R$+ < @ $=w . >			$: $2 :: $1
R$=w :: $+			$2
R$+ :: $+			$@ $1 :: $2

dnl # Mail11From address: as Mail11To; an address of this node as $w::user
SMail11From
R$+				$: $>Mail11To $1
R$w :: $+			$@ $w :: $1

Mmail11,	P=MAIL11_MAILER_PATH, F=_cf_mflags(`MAIL11', MAIL11_MAILER_FLAGS), S=Mail11From, R=Mail11To,
		T=DNS/X-DECnet/X-Unix,_cf_qgrp(`MAIL11_MAILER_QGRP')
		A=MAIL11_MAILER_ARGS

divert(-1)
