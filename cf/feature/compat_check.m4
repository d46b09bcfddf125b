divert(-1)
dnl #
dnl # compat_check.m4 -- check_compat: Compat:sender<@>recipient access entries
dnl #
_cf_FILEID(`feature/compat_check.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(compat_check) needs FEATURE(access_db) before it')')
PUSHDIVERT(9)dnl
Scheck_compat
R$* $| $*			$: $1 $| $>CanonAddr $2
R$* $| $+ < @ $+ . >		$: $1 $| $2 < @ $3 >
R$* $| $*			$: $>CanonAddr $1 $| $2
R$+ < @ $+ . > $| $*		$: $1 < @ $2 > $| $3
R$+ < @ $+ > $| $+ < @ $+ >	$: <$(access Compat:$1@$2<@>$3@$4 $: ? $)> $1@$2 $| $3@$4
R<?> $*				$@ ok
R<DISCARD> $*			$#discard $: discard
R<TEMP:$-.$-.$-:$+> $*		$#error $@ $1.$2.$3 $: $4
R<ERROR:$-.$-.$-:$+> $*		$#error $@ $1.$2.$3 $: $4
R<ERROR:$+> $*			$#error $: $1
R<$* <TMPF>> $*			$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<$+> $*			$@ ok
POPDIVERT
