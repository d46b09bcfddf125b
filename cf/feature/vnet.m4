divert(-1)
dnl #
dnl # vnet.m4 -- IBM VNET/RSCS addresses (a Debian extra): user%node.rscs
dnl # forms become node.vnet (three old IBM nodes become us/ca/uk.ibm.com),
dnl # hosts under the $=A names go to the VNET gateway named in macro A over
dnl # the relay mailer, and *.ibm.com hosts are relayed to directly.
dnl #
_cf_FILEID(`feature/vnet.m4')
PUSHDIVERT(6)dnl
CAvnet.ibm.com vnet rscs ipnet
POPDIVERT
dnl # Canonify2: the RSCS node named in the local part becomes the host
PUSHDIVERT(2)dnl
R$* % $- . rscs < @ $+ > $*	$: $1 < @ <rscs> $2 > $4
R$* < @ <rscs> ibmus > $*	$: $1 < @ us.ibm.com > $2
R$* < @ <rscs> ibmca > $*	$: $1 < @ ca.ibm.com > $2
R$* < @ <rscs> ibmuk > $*	$: $1 < @ uk.ibm.com > $2
R$* < @ <rscs> $- > $*		$: $1 < @ $2 . rscs > $3
R$* < @ $- . $=A > $*		$: $1 < @ <vnet> $2 >
R$* < @ <vnet> $- >		$: $1 < @ $2 . vnet . >
POPDIVERT
dnl # Parse1, before the smart host: our names stay, VNET and IBM hosts
dnl # are relayed
define(`_LOCAL_RULES_', `1')
PUSHDIVERT(1)dnl
R$* < @ $=w > $*		$: <ours> $1 < @ $2 > $3
R$* < @ $=w . > $*		$: <ours> $1 < @ $2 > $3
R<ours> $* < @ $+ > $*		$@ $1 < @ $2 . > $3
R$* < @ $- . vnet . > $*	$: <via vnet> $1 < @ $2 . VNET . > $3
R<via vnet> $*			$#relay $@ $A $: $1
R$* < @ $+ . ibm . com . > $*	$: $1 < @ $2 . ibm . com > $3
R$* < @ $+ . ibm . com > $*	$: <via ibm> $2 . ibm . com $| $1 < @ $2 . ibm . com > $3
R<via ibm> $+ $| $*		$#relay $@ $1 $: $2
POPDIVERT
