divert(-1)
dnl #
dnl # bestmx_is_local.m4 -- mail for a host whose best MX is one of our
dnl # names is delivered here (Parse1) and accepted from anyone (Rcpt_ok).
dnl #   arg 1: domains to which the MX lookups are limited (class B);
dnl #          without it every recipient host is looked up
dnl #
_cf_FILEID(`feature/bestmx_is_local.m4')
define(`_cf_BESTMX_LIMITED', ifelse(_ARG_, `', `', `1'))
PUSHDIVERT(6)dnl
Kbestmx bestmx
ifelse(_ARG_, `', `', `CB`'_ARG_
')dnl
POPDIVERT
dnl # Parse1, before the smart host: the best MX rides behind a $|
define(`_LOCAL_RULES_', `1')
PUSHDIVERT(1)dnl
ifelse(_cf_BESTMX_LIMITED, `1', `dnl
R$* < @ $* $=B . > $*		$: $1 < @ $2 $3 . > $4 $| <mx $(bestmx $2 $3 . $)>
', `dnl
R$* < @ $* > $*			$: $1 < @ $2 > $3 $| <mx $(bestmx $2 $)>
')dnl
R$* $=O $* < @ $* > $* $| <mx $=w .>	$@ $>Recurse $1 $2 $3
R< @ $* > : $* $| <mx $=w .>	$@ $>Recurse $2
R$* < @ $* > $* $| <mx $=w .>	$@ $>CanonLocal < $1 >
R$* $| <mx $*>			$: $1
POPDIVERT
