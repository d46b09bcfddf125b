divert(-1)
dnl #
dnl # mtamark.m4 -- MTA MARK: accept connections only from addresses whose
dnl # reverse zone says (TXT "1") that they are mail servers; "0" refuses.
dnl #   arg 1: refusal text
dnl #   arg 2: "t" (or a text): a failed lookup is a temporary refusal
dnl #   arg 3: the name in front of the reversed address (default
dnl #          _perm._smtp._srv)
dnl # MTAMARK_TO: resolver retries of the TXT map (default 5).
dnl #
ifdef(`_cf_MTAMARK_SEEN', `', `_cf_FILEID(`feature/mtamark.m4')')
ifdef(`_cf_MTAMARK_SEEN', `', `PUSHDIVERT(6)dnl
define(`_cf_mtamark_retries', `ifdef(`MTAMARK_TO', `MTAMARK_TO', `5')')dnl
Kmtamark dns -R TXT -a. -T<TMP> -r`'_cf_mtamark_retries
POPDIVERT')
define(`_cf_MTAMARK_SEEN', `1')
define(`_cf_mtamark_rr', ifelse(_ARG3_, `', `_perm._smtp._srv', `_ARG3_'))
define(`_cf_mtamark_no', `ifelse(_ARG_, `', `"550 Rejected: " $&{client_addr} " not listed as MTA"', `_ARG_')')
define(`_cf_mtamark_tmp', `ifelse(_ARG2_, `t', `"451 Temporary lookup failure of " '_cf_mtamark_rr`.$&{client_addr}', `_ARG2_')')
PUSHDIVERT(8)dnl
dnl # only an IPv4 client has a name under in-addr.arpa to ask
R$*				$: <mark> $&{client_addr}
R<mark> $-.$-.$-.$-		$: <?> $(mtamark _cf_mtamark_rr.$4.$3.$2.$1.in-addr.arpa. $: <none> $)
R<mark> $*			$: $1
dnl # the TXT answer comes back with a dot: "1." says MTA, "0." says not
R<?> $- .			$: <mark $1>
R<mark 1>			$: OKSOFAR
R<mark 0>			$#error $@ 5.7.1 $: _cf_mtamark_no
R<?> $+ <TMP>			ifelse(_ARG2_, `', `$: TMPOK', `$#error $@ 4.4.3 $: _cf_mtamark_tmp')
POPDIVERT
