divert(-1)
dnl #
dnl # dnsblaccess.m4 -- a DNS block list whose answers are judged by the
dnl # access map: a listed client address is looked up as
dnl # <key>:<answer>, <key>:<shorter answer>... and finally <key>: alone;
dnl # OK/RELAY lets it in, DISCARD and ERROR: act, anything else (or no
dnl # entry at all) refuses it.  %1 in a value is the client address, %2
dnl # the zone.  Needs access_db.
dnl #   arg 1: zone (default blackholes.mail-abuse.org)
dnl #   arg 2: refusal text;  arg 3: "t" (or a text): a failed lookup is a
dnl #   temporary refusal instead of being ignored;  arg 4: the access key
dnl #   (default dnsblaccess)
dnl #
_cf_FILEID(`hack/dnsblaccess.m4')
ifdef(`_cf_feature_access_db', `', `_cf_error(`HACK(dnsblaccess) reads the access map: put FEATURE(access_db) first')')
ifdef(`_cf_EDNSBL_MAP', `', `define(`_cf_EDNSBL_MAP', `1')dnl
define(`_cf_ednsbl_retries', `ifdef(`EDNSBL_TO', `EDNSBL_TO', `5')')dnl
PUSHDIVERT(6)dnl
Kednsbl dns -R A -a. -T<TMP> -r`'_cf_ednsbl_retries
POPDIVERT
')
define(`_cf_dba_zone', ifelse(_ARG_, `', `blackholes.mail-abuse.org', `_ARG_'))
define(`_cf_dba_key', ifelse(_ARG4_, `', `dnsblaccess', `_ARG4_'))
define(`_cf_dba_no', `ifelse(_ARG2_, `', `"550 Rejected: " $&{client_addr} " listed at '_cf_dba_zone`"', `_ARG2_')')
define(`_cf_dba_tmp', `ifelse(_ARG3_, `t', `"451 Temporary lookup failure of " $&{client_addr} " at '_cf_dba_zone`"', `_ARG3_')')
PUSHDIVERT(8)dnl
R$*				$: <dba> $&{client_addr}
R<dba> $-.$-.$-.$-		$: <?> $(ednsbl $4.$3.$2.$1._cf_dba_zone. $: <clear> $) <> $1.$2.$3.$4
R<dba> $*			$: $1
R<?> <clear> <> $*		$: OKSOFAR
R<?> $+ <TMP> <> $*		$: <dba verdict> <TMPF>
dnl # listed: the answer and ever shorter parts of it, then the key alone
R<?> $+ <> $*			$: <try> $1 <> $2
R<try> $* $- . <> $*		<$(access _cf_dba_key:$1$2 $@ $3 $@ _cf_dba_zone $: try $)> $1 <> $3
R<try> <> $*			$: <$(access _cf_dba_key: $@ $1 $@ _cf_dba_zone $: ? $)> <> $1
dnl # the verdict on what was found
R<$*> $* <> $*			$: <dba verdict> $1
R<dba verdict> $* <TMPF>	ifelse(_ARG3_, `', `$: TMPOK', `$#error $@ 4.4.3 $: _cf_dba_tmp')
R<dba verdict> $={Accept}	$: OKSOFAR
R<dba verdict> DISCARD		$#discard $: discard
R<dba verdict> ERROR : $-.$-.$- : $+	$#error $@ $1.$2.$3 $: $4
R<dba verdict> ERROR : $+	$#error $: $1
R<dba verdict> $*		$#error $@ 5.7.1 $: _cf_dba_no
POPDIVERT
