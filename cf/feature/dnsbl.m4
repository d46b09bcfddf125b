divert(-1)
dnl #
dnl # dnsbl.m4 -- refuse clients listed in a DNS block list (zone, message, t)
dnl #
_cf_FILEID(`feature/dnsbl.m4')
ifelse(_ARG_, `', `_cf_error(`FEATURE(dnsbl) needs the zone as its argument')')
ifdef(`_cf_DNSBL_MAP', `', `define(`_cf_DNSBL_MAP', `1')dnl
PUSHDIVERT(6)dnl
Kdnsbl ifdef(`DNSBL_MAP', `DNSBL_MAP', `dns -R A') -T<TMP>ifdef(`DNSBL_MAP_OPT', ` DNSBL_MAP_OPT')
POPDIVERT')
PUSHDIVERT(8)dnl
dnl # only an IPv4 client is looked up (its octets reversed under the zone);
dnl # <?> marks a listing, OKSOFAR an address that is not listed
R$*				$: <dnsbl> $&{client_addr}
R<dnsbl> $-.$-.$-.$-		$: <?> $(dnsbl $4.$3.$2.$1._ARG_. $: <clear> $)
R<dnsbl> $*			$: $1
R<?> <clear>			$: OKSOFAR
R<?>$+<TMP>			$: ifelse(_ARG3_, `', `TMPOK', _ARG3_, `t', `$#error $@ 4.4.3 $: "451 Temporary lookup failure of " $&{client_addr} " at _ARG_"', `$#error $@ 4.4.3 $: _ARG3_')
R<?>$+				ifelse(_ARG2_, `', `$#error $@ 5.7.1 $: "550 Rejected: " $&{client_addr} " listed at _ARG_"', _ARG2_, `quarantine', `$#error $@ quarantine $: "Mail from " $&{client_addr} " refused by blocklist at _ARG_"', _ARG2_, `discard', `$#discard $: discard', `$#error $@ 5.7.1 $: _ARG2_')
POPDIVERT
