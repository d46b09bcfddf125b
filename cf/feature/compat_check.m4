divert(-1)
dnl #
dnl # compat_check.m4 -- check_compat: Compat:sender<@>recipient access entries
dnl #
_cf_FILEID(`feature/compat_check.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(compat_check) needs FEATURE(access_db) before it')')
PUSHDIVERT(9)dnl
Scheck_compat
dnl # input: sender $| recipient, as the SMTP client gave them; the key is
dnl # Compat:sender<@>recipient without angle brackets, not canonified
R< $+ > $| $+			$: $1 $| $2
R$+ $| < $+ >			$: $1 $| $2
R$+ $| $+			$: < $(access Compat:$1<@>$2 $: OK $) >
R$* $| $*			$@ ok
R< DISCARD : $* >		$#discard $: $1 " - discarded by check_compat"
R< DISCARD $* >			$#discard $: $1 " - discarded by check_compat"
R< TEMP : $* >			$#error $@ TEMPFAIL $: $1 " error from check_compat. Try again later"
R< ERROR : $* >			$#error $@ UNAVAILABLE $: $1 " error from check_compat"
POPDIVERT
