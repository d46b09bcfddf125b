divert(-1)
dnl #
dnl # bestmx_is_local.m4 -- hosts whose best MX is us count as local (domains)
dnl #
_cf_FILEID(`feature/bestmx_is_local.m4')
PUSHDIVERT(6)dnl
Kbestmx bestmx -T<TEMP>
ifelse(_ARG_, `', `', `CB`'_ARG_
')dnl
POPDIVERT
LOCAL_NET_CONFIG
R$* < @ $+ > $*			$: $1 < @ $2 > $3 $| $(bestmx $2 $: NO $)
R$* < @ $+ > $* $| $=w .	$#_cf_LOCAL_MAILER $@ $2 $: $1 < @ $2 > $3
R$* $| $*			$: $1
divert(-1)
