divert(-1)
dnl #
dnl # rhsbl.m4 -- refuse mail whose sender domain is listed in a DNS block
dnl # list of domain names (a "right hand side" list).
dnl #   arg 1: the list's zone
dnl #   arg 2: refusal text (default names the domain and the zone)
dnl #   arg 3: "t" (or a text): a failed lookup is a temporary refusal
dnl #          instead of being ignored
dnl # The sender's domain is only looked up once it is canonical (it ends
dnl # in a dot), and not when a rhs: access entry says OK or RELAY.  The
dnl # domain is kept in macro {RHS} for the texts.
dnl #
ifdef(`_cf_RHSBL_SEEN', `', `_cf_FILEID(`feature/rhsbl.m4')')
dnl # the lookup map, unless FEATURE(dnsbl) already declared it
ifdef(`_cf_RHSBL_SEEN', `', `ifdef(`_cf_DNSBL_MAP', `', `PUSHDIVERT(6)dnl
Kdnsbl host -T<TMP>
POPDIVERT')')
define(`_cf_RHSBL_SEEN', `1')
ifelse(_ARG_, `', `_cf_error(`FEATURE(rhsbl) needs the zone as its argument')')
define(`_cf_rhsbl_hit', `ifelse(_ARG2_, `', `"550 Mail from " $&{RHS} " refused by blackhole site _ARG_"', `_ARG2_')')
define(`_cf_rhsbl_tmp', `ifelse(_ARG3_, `t', `"451 Temporary lookup failure of " $&{RHS} " at _ARG_"', `_ARG3_')')
PUSHDIVERT(8)dnl
R$*				$: <rhs> $>CanonAddr $&f
ifdef(`_cf_feature_access_db', `dnl
R<rhs> $* < @ $+ . >		$: <rhs> $1 < @ $2 . > $| $>SearchList <+ rhs> $| <F:$1@$2> <D:$2> <>
R<rhs> $* $| <$={Accept}>	$: <rhs>
R<rhs> $* $| $*			$: <rhs> $1
')dnl
R<rhs> $* < @ $+ . >		$: <?> $(macro {RHS} $@ $2 $) $(dnsbl $2._ARG_. $: <clear> $)
R<rhs> $*			$: OKSOFAR
R<?> <clear>			$: OKSOFAR
R<?> $+ <TMP>			ifelse(_ARG3_, `', `$: TMPOK', `$#error $@ 4.7.1 $: _cf_rhsbl_tmp')
R<?> $+				$#error $@ 5.7.1 $: _cf_rhsbl_hit
POPDIVERT
