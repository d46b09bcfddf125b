divert(-1)
dnl #
dnl # enhdnsbl.m4 -- like dnsbl, refusing only listed answers (zone, msg, t, answers...)
dnl #
_cf_FILEID(`feature/enhdnsbl.m4')
ifelse(_ARG_, `', `_cf_error(`FEATURE(enhdnsbl) needs the zone as its argument')')
define(`_cf_ednsbl_retries', `ifdef(`EDNSBL_TO', `EDNSBL_TO', `5')')dnl
ifdef(`_cf_EDNSBL_MAP', `', `define(`_cf_EDNSBL_MAP', `1')dnl
PUSHDIVERT(6)dnl
dnl # the resolver gives up after EDNSBL_TO retries (5 unless set)
Kednsbl dns -R A -a. -T<TMP> -r`'_cf_ednsbl_retries
POPDIVERT')
define(`_cf_ednsbl_hit', `ifelse(_ARG2_, `', `$#error $@ 5.7.1 $: "550 Rejected: " $&{client_addr} " listed at _ARG_"', _ARG2_, `quarantine', `$#error $@ quarantine $: "Mail from " $&{client_addr} " refused by blocklist at _ARG_"', _ARG2_, `discard', `$#discard $: discard', `$#error $@ 5.7.1 $: _ARG2_')')
PUSHDIVERT(8)dnl
dnl # only an IPv4 client is looked up (its octets reversed under the zone);
dnl # <?> marks a listing, OKSOFAR an address that is not listed
R$*				$: <ednsbl> $&{client_addr}
R<ednsbl> $-.$-.$-.$-		$: <?> $(ednsbl $4.$3.$2.$1._ARG_. $: <clear> $)
R<ednsbl> $*			$: $1
R<?> <clear>			$: OKSOFAR
R<?>$+<TMP>			$: ifelse(_ARG3_, `', `TMPOK', _ARG3_, `t', `$#error $@ 4.4.3 $: "451 Temporary lookup failure of " $&{client_addr} " at _ARG_"', `$#error $@ 4.4.3 $: _ARG3_')
ifelse(_ARG4_, `', `R<?>$+				_cf_ednsbl_hit', `dnl
R<?>_ARG4_.			_cf_ednsbl_hit
ifelse(_ARG5_, `', `', `R<?>_ARG5_.			_cf_ednsbl_hit
')ifelse(_ARG6_, `', `', `R<?>_ARG6_.			_cf_ednsbl_hit
')ifelse(_ARG7_, `', `', `R<?>_ARG7_.			_cf_ednsbl_hit
')ifelse(_ARG8_, `', `', `R<?>_ARG8_.			_cf_ednsbl_hit
')ifelse(_ARG9_, `', `', `R<?>_ARG9_.			_cf_ednsbl_hit
')')
POPDIVERT
