divert(-1)
dnl #
dnl # badmx.m4 -- refuse senders whose domain has MX records pointing at bad addresses (regex)
dnl #
_cf_FILEID(`feature/badmx.m4')
PUSHDIVERT(6)dnl
Kmxlist bestmx -z: -T<TEMP>
Kbadmx regex -a<BADMX> ^(([0-9]{1,3}\.){3}[0-9]){0,1}\.$
KBadMXIP regex -a<BADMXIP> ifelse(_ARG_, `', `^(127\.|10\.|0\.0\.0\.0)', `_ARG_')
KdnsA dns -R A -a. -T<TEMP>
POPDIVERT
PUSHDIVERT(9)dnl
SBadMX
R$* < @ $+ . > $*		$: $1 < @ $2 > $3
R$* < @ $+ > $*			$: <?> $1 < @ $2 > $3 $| $(mxlist $2 $: NOMX $)
R<?> $* $| NOMX			$@ $1
R<?> $* $| $* <TEMP>		$#error $@ 4.1.2 $: "450 MX lookup failure for " $&f
R<?> $* $| $+			$: <?> $1 $| $2 :
R<?> $* $| $+ : $*		$: <?> $1 $| $(dnsA $2 $: $2 $) : $3
R<?> $* $| $* <BADMX> $*	$#error $@ 5.1.2 $: "550 Illegal MX record for recipient host " $&f
R<?> $* $| $*			$@ $1
POPDIVERT
