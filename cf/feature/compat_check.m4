divert(-1)
dnl #
dnl # compat_check.m4 -- check_compat: Compat:sender<@>recipient access entries
dnl #
_cf_FILEID(`feature/compat_check.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(compat_check) needs FEATURE(access_db) before it')')
PUSHDIVERT(9)dnl
Scheck_compat
dnl # input: sender $| recipient, as the SMTP client gave them.  The key is
dnl # Compat:sender<@>recipient, not canonified, with one pair of angle
dnl # brackets taken off each side: two passes that each strip the side
dnl # in front and move it to the back
R$* $| $*			$: $2 $| $>Unbracket $1
R$* $| $*			$: $2 $| $>Unbracket $1
R$* $| $*			$: $>CompatValue $1 $| $2
dnl # a value becomes WORD $| text (WORD: marks itself with the colon);
dnl # DISCARD with or without a colon, TEMP: and ERROR: decide, the rest accepts
R<$- : $*>			$: $1 : $| $2
R<$- $*>			$: $1 $| $2
RDISCARD $* $| $*		$#discard $: $2 " - discarded by check_compat"
RTEMP : $| $*			$#error $@ TEMPFAIL $: $1 " error from check_compat. Try again later"
RERROR : $| $*			$#error $@ UNAVAILABLE $: $1 " error from check_compat"
R$*				$@ ok

dnl # Unbracket address: without one enclosing pair of angle brackets
SUnbracket
R<$+>				$@ $1

dnl # CompatValue sender $| recipient: <the Compat: value>, <> when there is
dnl # none or a side is empty
SCompatValue
R$+ $| $+			$@ <$(access Compat:$1<@>$2 $: $)>
R$*				$@ <>
POPDIVERT
