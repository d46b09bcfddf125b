divert(-1)
dnl #
dnl # badmx.m4 -- refuse a sender whose domain's mail exchangers cannot be
dnl # real: an MX lookup that fails temporarily (450), an MX name that is
dnl # a bare dotted quad or the root "." (550 Illegal), or an MX whose A
dnl # record falls in the regex given as argument 1 (default loopback,
dnl # net 10 and 0.0.0.0: 550 Invalid).
dnl #
dnl # Basic_check_mail hands the ruleset BadMX the sender's domain alone;
dnl # BadMX returns an error triple or something that is not one.
dnl #
_cf_FILEID(`feature/badmx.m4')
PUSHDIVERT(6)dnl
Kmxlist bestmx -z: -T<TEMP>
Kbadmx regex -a<BADMX> ^(([0-9]{1,3}\.){3}[0-9]){0,1}\.$
KdnsA dns -R A -a. -T<TEMP>
KBadMXIP regex -a<BADMXIP> ifelse(_ARG_, `', `^(127\.|10\.|0\.0\.0\.0)', `_ARG_')
POPDIVERT
PUSHDIVERT(9)dnl
SBadMX
dnl # workspace: <stage> <domain> <hosts still to look at> <results so far>
dnl # every host and every result ends in ":" so one pattern walks them
R$+				$: <1> <$1> <$(mxlist $1 $)> <>
R<1> <$+> <$* <TEMP>> <>	$#error $@ 4.1.2 $: "450 MX lookup failure for " $1
R<1> <$+> <$+> <>		$: <1> <$1> <$2 :> <>
dnl # stage 1: each exchanger's name through the badmx pattern
R<1> <$+> <$+ : $*> <$*>	<1> <$1> <$3> <$4 $(badmx $2 $) :>
R<1> <$+> <> <$* <BADMX> $*>	$#error $@ 5.1.2 $: "550 Illegal MX record for host " $1
R<1> <$+> <> <$*>		$: <2> <$1> <$2> <>
dnl # stage 2: each exchanger's address
R<2> <$+> <$+ : $*> <$*>	<2> <$1> <$3> <$4 $(dnsA $2 $) :>
R<2> <$+> <> <$*>		$: <3> <$1> <$2> <>
dnl # stage 3: each address through the BadMXIP pattern
R<3> <$+> <$+ : $*> <$*>	<3> <$1> <$3> <$4 $(BadMXIP $2 $) :>
R<3> <$+> <> <$* <BADMXIP> $*>	$#error $@ 5.1.2 $: "550 Invalid MX record for host " $1
R<$-> <$+> <$*> <$*>		$@ $2
POPDIVERT
