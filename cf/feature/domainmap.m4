divert(-1)
dnl #
dnl # domainmap.m4 -- a user map of its own for each mapped domain: mail to
dnl # user@domain (user+detail@domain too) is rewritten to the address the
dnl # domain map gives for "user" and parsed again.
dnl #   arg 1: the domain;  arg 2: its map definition (map domain_<domain
dnl #          with . and - as _>, failures marked <TEMP>)
dnl # A user missing from the map is refused (550); a map failure sends
dnl # the mail to localhost over dsmtp to be tried again; senders are never
dnl # rewritten.  LOCAL_USER names users of a mapped domain that is also
dnl # ours that stay local.  DOMAINMAP_NO_REGEX builds the map name without
dnl # the regex map.
dnl #
ifdef(`_cf_DOMAINMAP_SEEN', `', `_cf_FILEID(`feature/domainmap.m4')')
dnl # the map name is built by a regex map unless DOMAINMAP_NO_REGEX: it
dnl # joins the last two labels (split at . or -) with "_", one at a time
define(`_cf_DM_REGEX', ifdef(`DOMAINMAP_NO_REGEX', `0', `1'))
define(`_cf_dm_pattern', `(.*)[-\.]([^-\.]*)$')
ifdef(`_cf_DOMAINMAP_SEEN', `', `define(`_cf_DOMAINMAP_SEEN', `1')dnl
PUSHDIVERT(3)dnl
dnl # a routed local part at a mapped domain: the route is parsed instead
R$* $=O $* < @ $={MappedDomain} . >	$@ $>Recurse $1 $2 $3
R$+ < @ $={MappedDomain} . >	$>DomainMapLookup $1 < @ $2 . >
POPDIVERT
ifelse(_cf_DM_REGEX, `1', `PUSHDIVERT(6)dnl
K domainmap_regex regex -a.:NOTDONE: -s1,2 -d_ _cf_dm_pattern
POPDIVERT
')dnl
PUSHDIVERT(9)dnl
dnl # DomainMapLookup user < @ domain . >: the address the domain map has
dnl # for the user, parsed again
SDomainMapLookup
R$=L < @ $=w . >		$@ $1 < @ $2 . >
R$+ < @ $+ >			$: <$&{addr_type}> $1 < @ $2 >
R<e s> $+ < @ $+ >		$#smtp $@ $2 $: $1 @ $2
dnl # the map name: "domain_" and the domain, its dots and dashes as "_"
ifelse(_cf_DM_REGEX, `0', `dnl
R<$*> $+ < @ $+ >		$: <$3> $2 < @ $3 >
R<$+ . $+> $+			<$(dequote $1 "_" $2 $)> $3
R<$+ .> $+			$: <$(dequote "domain_" $1 $)> $2
', `dnl
R<$*> $+ < @ $+ >		$: <$3 :NOTDONE:> $2 < @ $3 >
R<$+ . :NOTDONE:> $+		<$(domainmap_regex $1 $: $1 $)> $2
R<$+> $+			$: <$(dequote "domain_" $1 $)> $2
')dnl
dnl # the user, without a +detail, looked up in that map
R<$+> $+ + $* < @ $+ >		$: <$1> $2 + $3 < @ $4 > $| $2
R<$+> $+ < @ $+ >		$: <$1> $2 < @ $3 > $| $2
R<$+> $+ $| $+			$: $2 $| $( $1 $3 $: <ERROR> $)
R$+ $| <ERROR>			$#error $@ 5.1.1 $: "550 email address lookup in domain map failed"
R$+ < @ $+ > $| $* <TEMP> $*	$#dsmtp $@ localhost $: $1 @ $2
dnl # a +detail goes back behind the user part of the answer
R$+ + $* < @ $+ > $| $+ @ $+	$: $1 + $2 < @ $3 > $| $4 + $2 @ $5
R$+ $|				$@ $1
R$+ $| $+			$@ $>Recurse $2
POPDIVERT')
ifelse(_ARG_, `', `_cf_error(`FEATURE(domainmap) needs the domain and a map definition')')
PUSHDIVERT(6)dnl
C{MappedDomain} _ARG_
define(`_cf_dm_mapname', `domain_'translit(_ARG_, `.-', `__'))dnl
K _cf_dm_mapname _ARG2_ -T<TEMP>
POPDIVERT
