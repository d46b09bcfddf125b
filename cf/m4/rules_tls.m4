divert(-1)
dnl #
dnl # rules_tls.m4 -- rulesets for AUTH and STARTTLS decisions, ESMTP
dnl # features, rate and connection limits.  Without FEATURE(access_db) they
dnl # only turn TLS failures into 454 replies; with it they read the
dnl # Srv_Features:, Clt_Features:, Try_TLS:, TLS_Rcpt:, TLS_Clt:, TLS_Srv:,
dnl # AuthInfo:, CERTISSUER:, CERTSUBJECT:, ClientRate: and ClientConn: tags.
dnl #
dnl # _cf_FULL(text): text when TLS_connection reads requirements (access_db
dnl # or sts); without them it only refuses failed handshakes
define(`_cf_FULL', `ifdef(`_cf_FULLTLS', `$1')')
define(`_cf_TLSFAIL', `ifdef(`TLS_PERM_ERR', `554:5.7.0', `454:4.7.0')')
divert(0)dnl
######################################################################
###   AUTH
######################################################################
SLocal_trust_auth
Strust_auth
dnl # <type> author: only an authenticated client may name an author, and
dnl # only itself unless the admin's Local_trust_auth says "$#" otherwise
R$*				$: <$&{auth_type}> $1
R<> $*				$#error $@ 5.7.1 $: "550 not authenticated"
R<$+> $&{auth_authen}		$@ identical
R<$+> <$&{auth_authen}>		$@ identical
R<$+> $*			$: $2 $| <hook> $>"Local_trust_auth" $2
R$* $| <hook> $#$*		$#$2
R$* $| <hook> $*		$#error $@ 5.7.1 $: "550 " $&{auth_authen} " not allowed to act as " $&{auth_author}

SLocal_Relay_Auth

######################################################################
###   ESMTP features and STARTTLS
######################################################################
Ssrv_features
ifdef(`_cf_LOCAL_srv_features', `dnl
_cf_hook(`Local_srv_features')
')dnl
_cf_ACC(`R$*				$: $>D <$&{client_name}> <?> <! "Srv_Features"> <>
R<?>$*				$: $>A <$&{client_addr}> <?> <! "Srv_Features"> <>
R<?>$*				$: <$(access "Srv_Features": $: ? $)>
R<?>$*				$@ OK
R<$* <TMPF>>$*			$#temp
R<$+>$*				$# $1
')dnl

Sclt_features
ifdef(`_cf_LOCAL_clt_features', `dnl
_cf_hook(`Local_clt_features')
')dnl
_cf_ACC(`R$*				$: $>D <$&{client_name}> <?> <! "Clt_Features"> <>
R<?>$*				$: $>A <$&{client_addr}> <?> <! "Clt_Features"> <>
R<?>$*				$: <$(access "Clt_Features": $: ? $)>
R<?>$*				$@ OK
R<$* <TMPF>>$*			$#temp
R<$+>$*				$# $1
')dnl

Stry_tls
ifdef(`_cf_LOCAL_try_tls', `dnl
_cf_hook(`Local_try_tls')
')dnl
_cf_ACC(`R$*				$: $>D <$&{server_name}> <?> <! "Try_TLS"> <>
R<?>$*				$: $>A <$&{server_addr}> <?> <! "Try_TLS"> <>
R<?>$*				$: <$(access "Try_TLS": $: ? $)>
R<?>$*				$@ OK
R<$* <TMPF>>$*			$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<NO>$*				$#error $@ 5.7.1 $: "550 do not try TLS with " $&{server_name} " ["$&{server_addr}"]"
')dnl

Stls_rcpt
ifdef(`_cf_LOCAL_tls_rcpt', `dnl
_cf_hook(`Local_tls_rcpt')
')dnl
ifdef(`_cf_feature_sts', `dnl
_cf_hook(`STS_Check')
')dnl
_cf_ACC(`dnl
R$*				$: $1 $(macro {TLS_Name} $@ $&{server_name} $)
R$+				$: $>TlsRcptKeys $>StripDot $>CanonAddr $1
R$* $| $+			$: $1 $| $>SearchList <! "TLS_Rcpt"> $| $2 <>
R$* $| <?>			$@ OK
R$* $| <$* <TMPF>>		$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R$* $| <$+>			$@ $>"TLS_connection" $&{verify} $| <$2>
')dnl

dnl # TlsRcptKeys address: the address $| the sources SearchList tries for it
STlsRcptKeys
R$+ < @ $+ >			$@ $1 <@ $2 > $| <F:$1@$2> <U:$1@> <D:$2> <E:>
R$+				$@ $1 $| <U:$1@> <E:>

Stls_client
ifdef(`_cf_LOCAL_tls_client', `dnl
_cf_hook(`Local_tls_client')
')dnl
_cf_ACC(`dnl
R$*				$: $1 $(macro {TLS_Name} $@ $&{client_name} $)
R$* $| $*			$: $1 $| $>D <$&{client_name}> <?> <! "TLS_Clt"> <>
R$* $| <?>$*			$: $1 $| $>A <$&{client_addr}> <?> <! "TLS_Clt"> <>
R$* $| <?>$*			$: $1 $| <$(access "TLS_Clt": $: ? $)>
R$* $| <$* <TMPF>>		$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R$*				$@ $>"TLS_connection" $1
', `dnl
dnl # no access map: only the verify word is judged
R$* $| $*			$@ $>"TLS_connection" $1
')dnl

Stls_server
ifdef(`_cf_LOCAL_tls_server', `dnl
_cf_hook(`Local_tls_server')
')dnl
ifdef(`_cf_feature_sts', `dnl
_cf_hook(`STS_secure')
')dnl
_cf_ACC(`dnl
R$*				$: $1 $(macro {TLS_Name} $@ $&{server_name} $)
R$*				$: $1 $| $>D <$&{server_name}> <?> <! "TLS_Srv"> <>
R$* $| <?>$*			$: $1 $| $>A <$&{server_addr}> <?> <! "TLS_Srv"> <>
R$* $| <?>$*			$: $1 $| <$(access "TLS_Srv": $: ? $)>
R$* $| <$* <TMPF>>		$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
')dnl
R$*				$@ $>"TLS_connection" $1

dnl # TLS_connection  verify-result $| <requirement from the access map>
dnl # The requirement is read into
dnl #     <code:ext> <V|E> <bits> <extras> verify-result
dnl # (V: the peer must be verified, E: only the strength counts; code:ext is
dnl # the refusal reply, 403/503 for TEMP+/PERM+, else _cf_TLSFAIL), then the
dnl # verification, the strength (TlsShort) and the extras (TLS_req) are
dnl # checked in that order.
STLS_connection
_cf_FULL(`dnl
R$* $| <$*> $+			$: $1 $| <$2>
R$* $| <$={Tls}$*>		$: $1 $| <$2$3> <_cf_TLSFAIL>
R$* $| <PERM+$={Tls}$*>		$: $1 $| <$2$3> <503:5.7.0>
R$* $| <TEMP+$={Tls}$*>		$: $1 $| <$2$3> <403:4.7.0>
')dnl
dnl # a failed handshake is refused whatever was required: with the
dnl # requirement's own code when the access map gave one, else 454 (the
dnl # verify word comes alone when there is no access map)
RSOFTWARE $| <$*> <$-:$+>	$#error $@ $3 $: $2 " TLS handshake failed."
RSOFTWARE _cf_FULL(`$| ')$*		$#error $@ 4.7.0 $: "454 TLS handshake failed."
RPROTOCOL $| <$*> <$-:$+>	$#error $@ $3 $: $2 " STARTTLS failed."
RPROTOCOL _cf_FULL(`$| ')$*		$#error $@ 4.7.0 $: "454 STARTTLS failed."
RDANE_FAIL $| <$*> <$-:$+>	$#error $@ $3 $: $2 " DANE check failed."
RDANE_FAIL _cf_FULL(`$| ')$*		$#error $@ 4.7.0 $: "454 DANE check failed."
RCONFIG $| <$*> <$-:$+>		$#error $@ $3 $: $2 " STARTTLS temporarily not possible."
RCONFIG _cf_FULL(`$| ')$*		$#error $@ 4.7.0 $: "454 STARTTLS temporarily not possible."
_cf_FULL(`dnl
R$* $| <VERIFY> <$+>		$: <$2> <V> <0> <> $1
R$* $| <VERIFY+$+> <$+>		$: <$3> <V> <0> <$2> $1
R$* $| <VERIFY:$-> <$+>		$: <$3> <V> <$2> <> $1
R$* $| <VERIFY:$-+$+> <$+>	$: <$4> <V> <$2> <$3> $1
R$* $| <ENCR:$-> <$+>		$: <$3> <E> <$2> <> $1
R$* $| <ENCR:$-+$+> <$+>	$: <$4> <E> <$2> <$3> $1
R$* $| $*			$@ OK
dnl # verification: a verified peer leaves only strength and extras
R<$+> <V> <0> <> $={TlsVerified}	$@ OK
R<$+> <V> <$-> <$*> $={TlsVerified}	$: <$1> <E> <$2> <$3>
R<$-:$+> <V> <$-> <$*>		$#error $@ $2 $: $1 " authentication required"
R<$-:$+> <V> <$-> <$*> FAIL	$#error $@ $2 $: $1 " authentication failed"
R<$-:$+> <V> <$-> <$*> NO	$#error $@ $2 $: $1 " not authenticated"
R<$-:$+> <V> <$-> <$*> NOT	$#error $@ $2 $: $1 " no authentication requested"
R<$-:$+> <V> <$-> <$*> NONE	$#error $@ $2 $: $1 " other side does not support STARTTLS"
R<$-:$+> <V> <$-> <$*> CLEAR	$#error $@ $2 $: $1 " STARTTLS disabled locally"
dnl # (as sendmail-cf does, the text shows the extras, not the status)
R<$-:$+> <V> <$-> <$*> $+	$#error $@ $2 $: $1 " authentication failure " $4
dnl # strength: the better of cipher bits and SASL ssf must reach the need
R<$-:$+> <E> <$-> <$*> $*	$: <$1:$2> <$4> $| $>TlsShort $3
R<$-:$+> <$*> $| <$-> <$->	$#error $@ $2 $: $1 " encryption too weak " $4 " less than " $5
dnl # extras: "a++b" become <a> <b> for TLS_req
R<$-:$+> <> $| $*		$@ OK
R<$-:$+> <$+> $| $*		$: <$1:$2> $| <$3>
R<$-:$+> $| $* <$+ ++ $+>	<$1:$2> $| $3 <$4> <$5>
R<$-:$+> $| $+			$@ $>TLS_req $3 $| <$1:$2>

dnl # TLS_req <item> ... $| <code:ext>: every CN/CS/CI item must match the
dnl # peer (CN alone: the name we connected to, ${TLS_Name})
STLS_req
R $| $+				$@ OK
R<CN> $* $| $*			$: <CN:$&{TLS_Name}> $1 $| $2
R<CN:$&{cn_subject}> $* $| $*	$@ $>TLS_req $1 $| $2
R<CS:$&{cert_subject}> $* $| $*	$@ $>TLS_req $1 $| $2
R<CI:$&{cert_issuer}> $* $| $*	$@ $>TLS_req $1 $| $2
dnl # the first item that does not match is the refusal
R<CN:$+> $* $| <$-:$*>		$#error $@ $4 $: $3 " CN " $&{cn_subject} " does not match " $1
R<CS:$+> $* $| <$-:$*>		$#error $@ $4 $: $3 " Cert Subject " $&{cert_subject} " does not match " $1
R<CI:$+> $* $| <$-:$*>		$#error $@ $4 $: $3 " Cert Issuer " $&{cert_issuer} " does not match " $1
ROK				$@ OK

dnl # TlsShort bits: <have> <bits> when the connection is weaker, else <>
STlsShort
R$-				$: $1 : $>max $&{cipher_bits} : $&{auth_ssf}
R$- : $-			$: $1 : $2 : $(arith l $@ $2 $@ $1 $)
R$- : $- : TRUE			$@ <$2> <$1>
R$*				$@ <>

dnl the larger of two numbers "a:b"
Smax
R:				$: 0
R:$-				$: $1
R$-:				$: $1
R$-:$-				$: $1 : $2 $| $(arith l $@ $1 $@ $2 $)
R$-:$- $| TRUE			$: $2
R$-:$- $| $*			$: $1
')dnl

ifdef(`_cf_feature_sts', `dnl
######################################################################
###   MTA-STS (RFC 8461): the sts map (a policy daemon) answers with a
###   policy for a recipient domain: "none", or "secure" followed by
###   servername= and match= settings
######################################################################
dnl # StsPolicy address: the policy for the part after the last @, trailing
dnl # dots removed ("none" when there is none); a failed lookup is refused
SStsPolicy
R$* @ $+			$2
R$+ .				$1
R$+				$@ $>StsLookup $1

dnl # StsLookup domain: the answer of the sts map, "none" when not listed
SStsLookup
R$+				$: <policy> $(sts $1 $: none $)
R<policy> $* <TMPF>		$#error $@ 4.7.0 $: 450 STS lookup temp fail
R<policy> $*			$@ $1

dnl # TLS_NameInList :name:name:...: -- "ok" when ${TLS_Name} is listed,
dnl # else the list as it came
STLS_NameInList
R$* : $&{TLS_Name} : $*		$: <listed>
R<listed>			$@ ok

dnl # STS_SAN: the server must be one of the names of its certificate
dnl # (a "*.parent" name covers a server name whose second label is "*")
SSTS_SAN
ifdef(`_cf_STS_SAN', `dnl
R$*				$: <san> $&{server_name}
R<san> $={cert_altnames}	$@ ok
R<san> $- . * . $={cert_altnames}	$@ ok
R<san> $*			$#error $@ 4.7.0 $: 450 $&{server_name} not listed in SANs
')dnl

dnl # STS_secure verify-result (tls_server): under a "secure" policy for
dnl # ${rcpt_addr} the connection must be verified with 128 bits, else a
dnl # temporary refusal; other policies leave the verify result as it is
SSTS_secure
R$*				$: <$&{rcpt_addr}> $1
R<> $*				$@ ok
R<$+> $*			$: $2 $| <policy> $>StsPolicy $1
R$* $| <policy> $#$*		$#$2
R$* $| <policy> $* secure $*	$@ $>"TLS_connection" $1 $| <TEMP+VERIFY:128>
R$* $| <policy> $*		$@ $1

dnl # STS_Check recipient (tls_rcpt): under a "secure" policy for the
dnl # recipient domain the server we talk to must be named in the match=
dnl # list of the policy (by its own name, or ".parent"), then its
dnl # certificate must name it (STS_SAN)
SSTS_Check
R$*				$: <$&{rcpt_addr}> $1
R<> $*				$@ ok
R<$+> $*			$: <policy> $>StsPolicy $2
R<policy> $#$*			$#$1
R<policy> $* secure $*		$: <list> $2
R<policy> $*			$@ ok
dnl # "servername=hostname" closing the settings is dropped; the match=
dnl # value becomes :name:name: (nothing listed: only STS_SAN counts)
R<list> $* servername=hostname	$: <list> $1
R<list> $+			$: <names> : $(stsxmatch $1 $: : $)
R<list> $*			$@ $>STS_SAN
R<names> $* : $+ . : $*		<names> $1 : $2 : $3
R<names> : $+ :			$: <names> : $1 : $| $(macro {TLS_Name} $@ $&{server_name} $) $>TLS_NameInList : $1 :
R<names> $* $| ok		$@ $>STS_SAN
R<names> $* $| $*		$: <names> $1
R<names> $*			$: <names> $1 $| $&{server_name}
R<names> $* $| $- . $+		$: <parent> $1 $| $(macro {TLS_Name} $@ . $3 $) $>TLS_NameInList $1
R<parent> $* $| ok		$@ $>STS_SAN
R<parent> : $* : $| $*		$#error $@ 4.7.0 $: 450 $&{server_name} not found in " " $1
R<$-> $*			$@ $2

dnl # Set_SNI (input ignored): under a "secure" policy for ${rcpt_addr}
dnl # that names a servername=, {sts_sni} gets the server name and the
dnl # setting "sts=secure; servername=..." is the answer; else ""
SSet_SNI
R$*				$: <to $&{rcpt_addr}>
R<to>				$@ ""
R<to $* @ $+>			$: $2
R<to $*>			$: <$1>
R$+ .				$1
R$+				$: $>StsLookup $1
R$#$*				$#$1
Rnone				$@ ""
R$* secure $*			$: <sni $(stsxsni $2 $: : $)> sts=secure; $(stsxsni2 $2 $: : $)
R<sni $+ :> $+ :		$@ $(macro {sts_sni} $@ $&{server_name} $) $2
R<sni $*> $*			$@ $2
R$*				$@ ""

dnl # DANE_disabled access-value: <> when the value has a "flags=" with d,
dnl # or no SNI was set; <DANE> otherwise
SDANE_disabled
R$+				$: <flags $(stsxnodaneflag $1 $: none $)>
R<flags $* @>			$@ <>
R$*				$: <sni $&{sts_sni}>
R<sni>				$@ <>
R$*				$@ <DANE>

dnl # STS_disabled (input ignored): <> when the client flags say MM or
dnl # there is no ${rcpt_addr}; <STS> otherwise
SSTS_disabled
R$*				$: <$&{client_flags}>
R<$* MM $*>			$@ <>
R$*				$: <to $&{rcpt_addr}>
R<to>				$@ <>
R$*				$@ <STS>
')dnl

ifdef(`_cf_feature_tls_session_features', `dnl
dnl # tls_srv_features name $| address: TLS_Srv_Features: access value
Stls_srv_features
_cf_ACC(`dnl
R$* $| $*			$@ $>TlsPeerFeatures <TLS_Srv_Features> $1 $| $2
')dnl
R$*				$@ ""
')dnl
ifdef(`_cf_feature_tls_session_features', `define(`_cf_CLT_FEATURES', `1')')dnl
ifdef(`_cf_feature_sts', `define(`_cf_CLT_FEATURES', `1')')dnl
ifdef(`_cf_CLT_FEATURES', `dnl
dnl # tls_clt_features name $| address: the TLS_Clt_Features: access value
dnl # and, with sts, the SNI setting, joined with ";"; "" when neither
Stls_clt_features
R$* $| $*			$: <$1> $| _cf_ACC(`$>TlsPeerFeatures <TLS_Clt_Features> $1 $| $2')
R<$*> $| $*			$: <$1> $| <$2>
ifdef(`_cf_feature_sts', `dnl
R<$*> $| <$*>			$: <$1> $| <$2> $| $>"STS_disabled" sts
R<$*> $| <$*> $| <>		$@ $2
R<$*> $| <$*> $| $*		$: <$1> $| <$2> $| $>"DANE_disabled" $2
R<$*> $| <$+> $| <DANE>		$@ $2
R<$*> $| <> $| <DANE>		$@ ""
R<$*> $| <$*> $| $*		$: <$2> $| $>"Set_SNI" $1
R<""> $| $+			$@ $1
R<$+ ;> $| $+			$@ $1 ; $2
R<$+> $| $+			$@ $1 ; $2
R<> $| $+			$@ $1
R<$*> $| $*			$: <> $| <$1>
')dnl
R<$*> $| <$+>			$@ $2
R$*				$@ ""

_cf_ACC(`dnl
dnl # TlsPeerFeatures <Tag> name $| address: the Tag: value for the name of
dnl # the peer (or a parent domain), else for its address (or a network); ""
dnl # when the map has neither
STlsPeerFeatures
R<$-> $* $| $*			$: <$1> $| $>D <$2> <?> <! $1> <$3>
R<$-> $| <?> <$*>		$: <$1> $| $>A <$2> <?> <! $1> <$2>
R<$-> $| <?> <$*>		$@ ""
R<$-> $| <$+> <$*>		$@ $2
')dnl
')dnl

dnl a verified client certificate may allow relaying
SRelayTLS
_cf_ACC(`dnl
dnl # only a verified certificate counts: the CERTISSUER: entry of its
dnl # issuer says RELAY, or SUBJECT (then the CERTSUBJECT: entry decides)
R$*				$: <$&{verify}>
R<$={TlsVerified}>		$: OK
R<$*>				$@ NO
R$*				$: $&{cert_issuer}
R$+				$: $(access CERTISSUER:$1 $)
RRELAY				$# RELAY
RSUBJECT			$: <subject> $&{cert_subject}
R<subject> $+			$: <subject> $(access CERTSUBJECT:$1 $)
R<subject> RELAY		$# RELAY
R$*				$: NO
')dnl

ifdef(`_cf_feature_authinfo', `define(`_cf_AUTHINFO_ON', `1')', `_cf_ACC(`define(`_cf_AUTHINFO_ON', `1')')')dnl
Sauthinfo
ifdef(`_cf_AUTHINFO_ON', `dnl
R$*				$@ $>AuthInfoFor <ifdef(`_cf_feature_authinfo', `authinfo', `access')> <$&{server_name}> <$&{server_addr}>
')dnl

dnl # AuthInfoFor <map> <name> <address>: the AuthInfo: value for the server
dnl # we talk to, as "$#" value; "no" when there is none.  The authinfo
dnl # map is asked for the exact name, the exact address, then the bare
dnl # "AuthInfo:"; the access map for the name or a parent, the address or
dnl # a network, then the bare key.
SAuthInfoFor
ifdef(`_cf_AUTHINFO_ON', `dnl
ifdef(`_cf_feature_authinfo', `dnl
R<authinfo> <$*> <$*>		$: <$(authinfo AuthInfo:$1 $: ? $)> <$2>
R<?> <$*>			$: <$(authinfo AuthInfo:$1 $: ? $)> <>
R<?> <$*>			$: <$(authinfo AuthInfo: $: ? $)> <>
R<?> <$*>			$@ no
R<$*> <$*>			$# $1
')dnl
R<$-> <$*> <$*>			$: <$1> <$3> $| $>D <$2> <?> <! AuthInfo> <>
R<$-> <$*> $| <?>$*		$: <$1> $| $>A <$2> <?> <! AuthInfo> <>
R<$-> <$*> $| $*		$: $3
R<authinfo> $| <?>$*		$: <$(authinfo AuthInfo: $: ? $)> <>
R<access> $| <?>$*		$: <$(access AuthInfo: $: ? $)> <>
R<$-> $| $*			$: $2
R<?>$*				$@ no
R<$*> <>			$# $1
')dnl

ifdef(`_cf_feature_ratecontrol', `define(`_cf_LIMITS', `1')')dnl
ifdef(`_cf_feature_conncontrol', `define(`_cf_LIMITS', `1')')dnl
ifdef(`_cf_LIMITS', `dnl
dnl # ClientLimit <Tag> current: the Tag: limit for the client address (or a
dnl # network, or the bare default) as "<limit> $| TRUE" when current is above
dnl # it, "<limit> $| FALSE" when not; OK when there is no limit (or it is 0)
SClientLimit
R<$-> $*			$: <$2> $| $>SearchList <! $1> $| <A:$&{client_addr}> <E:> <>
R<$*> $| <?>			$@ OK
R<$*> $| <$* <TMPF>>		$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<$*> $| <0>			$@ OK
R<$*> $| <$+>			$: <$2> $| $(arith l $@ $2 $@ $1 $)
')dnl
ifdef(`_cf_feature_ratecontrol', `dnl
SRateControl
R$*				$: $>ClientLimit <ClientRate> $&{client_rate}
R<$+> $| TRUE			$#error $@ 4.3.2 $: ifdef(`_cf_RateControl_TERM', `421', `452') Connection rate limit exceeded.
')dnl
ifdef(`_cf_feature_conncontrol', `dnl
SConnControl
R$*				$: $>ClientLimit <ClientConn> $&{client_connections}
R<$+> $| TRUE			$#error $@ 4.3.2 $: ifdef(`_cf_ConnControl_TERM', `421', `452') Too many open connections.
')dnl
