divert(-1)
dnl #
dnl # cssubdomain.m4 -- Canonify2 rules that take our names followed by
dnl # .CS.Berkeley.EDU or .Berkeley.EDU for this host ($j).
dnl #
_cf_FILEID(`hack/cssubdomain.m4')
PUSHDIVERT(2)dnl
R$* < @ $=w . CS . Berkeley . EDU > $*	$: $1 < @ <this host> > $3
R$* < @ $=w . Berkeley . EDU > $*	$: $1 < @ <this host> > $3
R$* < @ <this host> > $*		$: $1 < @ $j > $2
POPDIVERT
