divert(-1)
dnl #
dnl # rules_check.m4 -- the SMTP policy rulesets the binary calls by name:
dnl # check_relay (connection), check_mail (MAIL FROM), check_rcpt (RCPT TO),
dnl # with the access-map lookups behind them and the relay decision
dnl # (Rcpt_ok: may this recipient be accepted; Relay_ok: may this client
dnl # relay).  With FEATURE(delay_checks) the three run together at RCPT time.
dnl #
dnl # Lookup helpers (names kept: admins' Local_check_* rules call them):
dnl #   D  <host> <default> <+|! Tag> <passthru>  walks host labels / IP nets
dnl #   A  <addr> <default> <+|! Tag> <passthru>  walks an IP address upwards
dnl #   SearchList <+|! Tag> $| <F:a> <D:d> ... <> tries sources in order
dnl # Each answers "<value> <passthru>" (value "?" when nothing was found).
dnl # A "+" tag also tries the untagged key; "!" only the tagged one.
dnl #
define(`_cf_ACC', `ifdef(`_cf_feature_access_db', `$1', `$2')')
define(`_cf_CR', `ifdef(`_cf_feature_delay_checks', `check$1', `check_$1')')
define(`_cf_RELAYMSG', `ifdef(`confRELAY_MSG', `confRELAY_MSG',
	`ifdef(`_USE_AUTH_', `"550 Relaying denied. Proper authentication required."', `"550 Relaying denied"')')')
define(`_cf_RCPTREJ', `ifdef(`confRCPTREJ_MSG', `confRCPTREJ_MSG', `"550 Mailbox disabled for this recipient"')')
dnl # _cf_SPAM_FH: defined when delay_checks was given friend or hater
ifelse(_cf_DELAY_MODE, `friend', `define(`_cf_SPAM_FH', `1')', _cf_DELAY_MODE, `hater', `define(`_cf_SPAM_FH', `1')')
dnl # _cf_REFUSED: the reply text of an access-map REJECT
define(`_cf_REFUSED', `ifdef(`confREJECT_MSG', `$: confREJECT_MSG', `$`'@ 5.7.1 $: "550 Access denied"')')
dnl # _cf_NAMEREFUSED(`why'): the refusal of a client whose name is no good
define(`_cf_NAMEREFUSED', `$`'#error $`'@ 5.7.1 $: "550 Relaying denied. IP name $1 " $&{client_name}')
dnl # _cf_SENDERDOM(`code', `what'): the reply for a sender domain that fails
define(`_cf_SENDERDOM', `"$1 Domain of sender address " $&f " does not $2"')
divert(0)dnl
ifdef(`_cf_feature_access_db', `dnl
######################################################################
###   access map lookups
######################################################################
dnl # The five helpers share one step, AccKey, and one way of ending,
dnl # AccDone; only the keys each one tries differ.  While they work the
dnl # workspace is   <key> <default> <+|! Tag> <passthru> $| <value so far>
dnl # AccKey <+|! Tag> <key>: "Tag:key", then (with +) the bare key
SAccKey
R<$- $-> <$*>			$: <$(access $2:$3 $: ? $)> <$1> <$3>
R<?> <+> <$+>			$: <$(access $1 $: ? $)> <+> <$1>
R<$*> <$-> <$*>			$@ <$1>

dnl # AccDone: found, temporary map failure, or the default
SAccDone
R<$*> <$*> <$- $-> <$*> $| <?>	$@ <$2> <$5>
R<$*> <$*> <$- $-> <$*> $| <$* <TMPF>>	$@ <<TMPF>> <$5>
R<$*> <$*> <$- $-> <$*> $| <$*>	$@ <$6> <$5>

dnl # HostUp <host>: the next key up, <> at the top: a literal [a.b.c]
dnl # loses its last part, a name its first label
SHostUp
R<[$+.$-]>			$@ <[$1]>
R<[$+::$-]>			$@ <[$1]>
R<[$+:$-]>			$@ <[$1]>
R<$+.$+>			$@ <$2>
R$*				$@ <>

dnl # AddrUp <address>: the enclosing network, <> when none is left
SAddrUp
R<$+::$->			$@ <$1>
R<$+:$->			$@ <$1>
R<$+.$->			$@ <$1>
R$*				$@ <>

dnl # D: a host name or [literal], then ever shorter parents
SD
R<$*> <$+> <$- $-> <$*>		$: <$1> <$2> <$3 $4> <$5> $| $>AccKey <$3 $4> <$1>
dnl # no host at all: the bare lookup is handed back with the request
R<> <$+> <$- $-> <$*> $| <$*>	$@ <$5> <> <$1> <$2 $3> <$4>
ifdef(`_cf_feature_lookupdotdomain', `dnl
R<$+.$+> <$+> <$- $-> <$*> $| <?>	$: <$1.$2> <$3> <$4 $5> <$6> $| $>AccKey <$4 $5> <.$2>
')dnl
ifdef(`_cf_ACCESS_SKIP', `dnl
dnl # access_db skip: a SKIP entry stops the walk; the default stands
R<$*> <$+> <$- $-> <$*> $| <SKIP>	$@ <$2> <$5>
')dnl
R<$*> <$+> <$- $-> <$*> $| <?>	$: <$1> <$2> <$3 $4> <$5> $| <?> $>HostUp <$1>
R<$*> <$+> <$- $-> <$*> $| <?> <$+>	$@ $>D <$6> <$2> <$3 $4> <$5>
R<$*> <$+> <$- $-> <$*> $| <?> <>	$: <$1> <$2> <$3 $4> <$5> $| <?>
R<$*> <$+> <$- $-> <$*> $| $*	$@ $>AccDone <$1> <$2> <$3 $4> <$5> $| $6

dnl # A: an IP address, then the networks around it
SA
R<$+> <$+> <$- $-> <$*>		$: <$1> <$2> <$3 $4> <$5> $| $>AccKey <$3 $4> <$1>
ifdef(`_cf_ACCESS_SKIP', `dnl
R<$+> <$+> <$- $-> <$*> $| <SKIP>	$@ <$2> <$5>
')dnl
R<$+> <$+> <$- $-> <$*> $| <?>	$: <$1> <$2> <$3 $4> <$5> $| <?> $>AddrUp <$1>
R<$+> <$+> <$- $-> <$*> $| <?> <$+>	$@ $>A <$6> <$2> <$3 $4> <$5>
R<$+> <$+> <$- $-> <$*> $| <?> <>	$: <$1> <$2> <$3 $4> <$5> $| <?>
R<$+> <$+> <$- $-> <$*> $| $*	$@ $>AccDone <$1> <$2> <$3 $4> <$5> $| $6

dnl # F: user@domain; a user+detail also as user+*@domain and user@domain
SF
R<$+> <$*> <$- $-> <$*>		$: <$1> <$2> <$3 $4> <$5> $| $>AccKey <$3 $4> <$1>
R<$+ + $* @ $+> <$*> <$- $-> <$*> $| <?>	$: <$1+$2@$3> <$4> <$5 $6> <$7> $| $>AccKey <$5 $6> <$1+*@$3>
R<$+ + $* @ $+> <$*> <$- $-> <$*> $| <?>	$: <$1+$2@$3> <$4> <$5 $6> <$7> $| $>AccKey <$5 $6> <$1@$3>
R<$+> <$*> <$- $-> <$*> $| $*	$@ $>AccDone <$1> <$2> <$3 $4> <$5> $| $6

dnl # E: the key exactly as given (it may be empty: "Tag:" is a default)
SE
R<$*> <$*> <$- $-> <$*>		$: <$1> <$2> <$3 $4> <$5> $| $>AccKey <$3 $4> <$1>
R<$*> <$*> <$- $-> <$*> $| $*	$@ $>AccDone <$1> <$2> <$3 $4> <$5> $| $6

dnl # U: "user@"; a user+detail@ also as user+*@ and user@
SU
R<$+> <$*> <$- $-> <$*>		$: <$1> <$2> <$3 $4> <$5> $| $>AccKey <$3 $4> <$1>
R<$+ + $* @> <$*> <$- $-> <$*> $| <?>	$: <$1+$2@> <$3> <$4 $5> <$6> $| $>AccKey <$4 $5> <$1+*@>
R<$+ + $* @> <$*> <$- $-> <$*> $| <?>	$: <$1+$2@> <$3> <$4 $5> <$6> $| $>AccKey <$4 $5> <$1@>
R<$+> <$*> <$- $-> <$*> $| $*	$@ $>AccDone <$1> <$2> <$3 $4> <$5> $| $6

dnl # SearchList <+|! Tag> $| <X:key> ... <>: each source in turn until
dnl # one answers; the first source is tried here, the rest by recursion
C{Src}E F D U ifdef(`_cf_WANT_A_SRC', `A')
SSearchList
R<$+> $| <$={Src}:$*> $*	$: <$1> $| $4 $| $>$2 <$3> <?> <$1> <>
R<$+> $| $* $| <?> <>		$@ $>SearchNext <$1> $| $2
R<$+> $| $* $| <$+> <>		$@ <$3>
dnl # a list that names no source is handed back as it is
R$+ $| <$+>			$@ <$2>

dnl # SearchNext <+|! Tag> $| rest: nothing found so far; go on if any is left
SSearchNext
R<$+> $| <>			$@ <?>
R<$+> $| $+			$@ $>SearchList <$1> $| $2

dnl # AccVerdict <value> rest: the decision an access value stands for, once
dnl # the caller has dealt with its own OK/RELAY/REJECT meanings
dnl # (a one-word value, or WORD:text, is first turned into "text $| WORD")
SAccVerdict
R<$* <TMPF>> $*			$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<$-:$+> $*			$: $2 $| $1
R<$-> $*			$: $| $1
R $| DISCARD			$#discard $: discard
R$+ $| QUARANTINE		$#error $@ quarantine $: $1
R$-.$-.$-:$+ $| ERROR		$#error $@ $1.$2.$3 $: $4
R$+ $| ERROR			$#error $: $1
R$+ $| $-			$#error $: $2:$1
R $| $-				$#error $: $1
R<$+> $*			$#error $: $1

dnl # ConnectValue name $| address: <the Connect: value for the client> <>,
dnl # looked up by name (when the client has both) and then by address;
dnl # <?> when neither is listed
SConnectValue
R$+ $| $+			$: <$2> $| $>D <$1> <?> <+ Connect> <>
R$| $+				$: <$1> $| <?> <>
R<$+> $| <?> <$*>		$@ $>A <$1> <?> <+ Connect> <>
R<$*> $| $*			$@ $2

dnl # AddrKeys address: the address $| the sources a From: lookup tries:
dnl # user@domain, user@, the domain (a bare user: user@ alone)
SAddrKeys
R$+ < @ $* >			$@ $1 < @ $2 > $| <F:$1@$2> <U:$1@> <D:$2>
R$+				$@ $1 $| <U:$1@>

dnl # Granted <access value> <rest>: RELAY for a RELAY entry, a temporary
dnl # failure when the map could not answer, else the rest
SGranted
R<$*> <$*>			$: $1 $| $2
RRELAY $| $*			$@ RELAY
R$* <TMPF> $| $*		$#TEMP $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R$* $| $*			$@ $2
')dnl

SCanonAddr
R$*				$: $>Parse0 $>canonify $1

dnl a recipient whose route goes through hosts we may relay to is judged
dnl by its last part
dnl # StripDot address: no trailing dots after the host
SStripDot
R$* < @ $* . > $*		$1 < @ $2 > $3

SParseRecipient
R$*				$: $>StripDot $>CanonAddr $1
R$- < @ $* >			$: $(dequote $1 $) < @ $2 >
ifdef(`_cf_feature_loose_relay_check', `', `dnl
dnl # a routed local part (%, !) through a host we relay for: judge the rest
R$* $=O $* < @ $* >		$: $1 $2 $3 < @ $4 > $| $>RelayHost <To> $4
R$* < @ $* > $| RELAY		$@ $>ParseRecipient $1
R$* $| $*			$@ $1
')dnl

dnl # RelayHost <Tag> host: RELAY when we relay for that host (class R, and
dnl # $=m with relay_entire_domain), else the access map's Tag: answer for
dnl # it; NO when there is none
SRelayHost
ifdef(`_cf_feature_relay_entire_domain', `dnl
R<$-> $* $=m			$@ RELAY
')dnl
ifdef(`_cf_feature_relay_hosts_only', `dnl
R<$-> $=R			$@ RELAY
_cf_ACC(`dnl
R<$-> $+			$: $>AccKey <+ $1> <$2>
R<$*>				$@ $1
')', `dnl
R<$-> $* $=R			$@ RELAY
_cf_ACC(`dnl
R<$-> $+			$: $>D <$2> <NO> <+ $1> <>
R<$*> <$*>			$@ $1
')')dnl
R$*				$@ NO

######################################################################
###   check_relay -- the connecting client
######################################################################
ifelse(_cf_CONNCTL_NODELAY, `1', `dnl
Scheck_relay
ifdef(`_cf_feature_ratecontrol', `dnl
R$*				$: $1 $| $>"RateControl" $1
R$* $| $#$*			$#$2
R$* $| $*			$: $1
')dnl
ifdef(`_cf_feature_conncontrol', `dnl
R$*				$: $1 $| $>"ConnControl" $1
R$* $| $#$*			$#$2
R$* $| $*			$: $1
')dnl
')dnl
SLocal_check_relay
S`'_cf_CR(`relay')
ifdef(`_cf_feature_use_client_ptr', `dnl
dnl # use_client_ptr: the name the PTR record gave stands for the client name
R$* $| $*			$: $&{client_ptr} $| $2
')dnl
_cf_hook(`Local_check_relay')
R$*				$@ $>"Basic_check_relay" $1

dnl # QueueMode: DEFER when the daemon only queues (-odd): the policy checks
dnl # are then left to the queue run; GO otherwise
SQueueMode
R$*				$: $&{deliveryMode}
Rd				$@ DEFER
R$*				$@ GO

SBasic_check_relay
R$*				$: $1 $| $>QueueMode
R$* $| DEFER			$@ deferred
R$* $| GO			$: $1
_cf_ACC(`dnl
R$*				$: $>ConnectValue $1
R<?> $*				$: OK
R<$={Accept}> $*		$@ $1
R<REJECT> $*			$#error _cf_REFUSED
R<$+> $*			$: $>AccVerdict <$1> $2
R$#$*				$#$1
')dnl
ifelse(_cf_CONNCTL_NODELAY, `1', `', `dnl
ifdef(`_cf_feature_ratecontrol', `dnl
R$*				$: $>"RateControl" dummy
')dnl
ifdef(`_cf_feature_conncontrol', `dnl
R$*				$: $>"ConnControl" dummy
')')dnl
undivert(8)dnl
ifdef(`_cf_feature_require_rdns', `dnl
R$*				$: $&{client_addr} $| <$&{client_resolve}>
R$=R $*				$@ RELAY
R$* $| <OK>			$@ OK
R$* $| <FAIL>			$#error $@ 5.7.1 $: 550 Fix reverse DNS for $1
R$* $| <TEMP>			$#error $@ 4.1.8 $: 451 Client IP address $1 does not resolve
R$* $| <FORGED>			$#error $@ 4.1.8 $: 451 Possibly forged hostname for $1
')dnl

dnl # LoopbackName host: YES for the names of this machine's loopback
dnl # (only the part after the last @ counts)
SLoopbackName
R$* @ $+			$@ $>LoopbackName $2
Rlocalhost			$@ YES
Rlocalhost.$m			$@ YES
Rlocalhost.UUCP			$@ YES
R[127.0.0.1]			$@ YES
R[IPv6:::1]			$@ YES
R[IPv6:0:0:0:0:0:0:0:1]		$@ YES
R$*				$@ NO

dnl # SenderDomain address: the canonical sender with its verdict in front:
dnl # <OKR> (pseudo domain, ours, or unchecked), <? host<tag>> from the
dnl # resolver, <?> when there is no domain
SSenderDomain
R$*				$: $>StripDot $>CanonAddr $1
R$* < @ $* $=P >		$@ <OKR> $1 < @ $2 $3 >
R$* < @ $j >			$@ <OKR> $1 < @ $j >
ifdef(`_cf_feature_accept_unresolvable_domains', `dnl
R$* < @ $+ >			$@ <OKR> $1 < @ $2 >
', `dnl
R$* < @ $+ >			$@ <? $(resolve $2 $: $2 <PERM> $) > $1 < @ $2 >
')dnl
R$*				$@ <?> $1

######################################################################
###   check_mail -- the envelope sender
######################################################################
SLocal_check_mail
S`'_cf_CR(`mail')
_cf_hook(`Local_check_mail')
R$*				$@ $>"Basic_check_mail" $1

SBasic_check_mail
R$*				$: $1 $| $>QueueMode
R$* $| DEFER			$@ deferred
R$* $| GO			$: $1
dnl # a client refused by its TLS_Clt: requirement is refused here
_cf_hook(`tls_client', `$&{verify} $| MAIL')
R<>				$@ <OK>				the null sender is always accepted
dnl # the address alone in one pair of brackets, marked <@>
R<$+>				$: $1
R$+				$: <@> <$1>
dnl "localhost" as the sender domain is only believable from here
dnl # (<!> marks a sender that only a local client may use; M=f makes every
dnl # user@host one, M=u lets an unqualified one through unchecked)
R<@> $*				$: <@> $1 $| <$&{daemon_flags}>
R<@> < $* @ $- > $| <$* f $*>	$: <!> < $1 @ $2 >
R<@> $* $| <$* u $*>		$: <?> $1
R$* $| <$*>			$: $1
R<@> < $* @ $+ >		$: <@> < $1 @ $2 > $| $>LoopbackName $2
R<@> $* $| YES			$: <!> $1
R<@> $* $| $*			$: <@> $1
R<@> $*				$: $1
R<!> $*				$: < ? $&{client_name} > $1
R<? $=w> $*			$: $2
R<? $+> <$+>			$#error $@ 5.5.4 $: "553 Real domain name required for sender address"
R<?> $*				$: $1
dnl does the sender domain exist?
R$*				$: $>SenderDomain $1
ifdef(`_cf_feature_accept_unresolvable_domains', `', `dnl
R<? $* <$->> $* < @ $+ >	$: <$2> $3 < @ $4 >
')dnl
_cf_ACC(`dnl
dnl # the From: entry for user@domain, user@ or the domain replaces the mark
R<$+> $+			$: <$1> $>AddrKeys $2
R<$+> $* $| $+			$: <$1> <$2> $| $>SearchList <+ From> $| $3 <>
R<$+> <$*> $| <?>		$: <$1> $2
R<$+> <$*> $| <$*>		$: <$3> $2
')dnl
dnl an unqualified sender is only accepted from here (or with M=u)
R<?> $*				$: <?> $1 $| <$&{daemon_flags}>
R<?> $* $| <$* u $*>		$: <OKR> $1
R$* $| <$*>			$: $1
ifdef(`_cf_feature_accept_unqualified_senders', `dnl
R<?> $*				$@ <OKR>
')dnl
R<?> $*				$: <?> <from $&{client_addr}> $1
R<?> <from> $*			$@ <OKR>
R<?> <from $+> $*		$#error $@ 5.5.4 $: "553 Domain name required for sender address " $&f
R<?> $*				$: @ $1
R<$={ResOk}> $*			$: @ $2
R<TEMP> $*			$#error $@ 4.1.8 $: _cf_SENDERDOM(`451', `resolve')
R<PERM> $*			$#error $@ 5.1.8 $: _cf_SENDERDOM(`553', `exist')
_cf_ACC(`dnl
R<$={Accept}> $*		$# $1
R<REJECT> $*			$#error _cf_REFUSED
R<$+> $*			$: $>AccVerdict <$1> $2
R$#$*				$#$1
')dnl
ifdef(`_cf_feature_badmx', `dnl
dnl # a qualified sender that passed: are the exchangers of its domain sane?
R@ $* < @ $+ > $*		$: <$1 < @ $2 > $3> $| $>BadMX $2
R$* $| $#$*			$#$2
')dnl

######################################################################
###   check_rcpt -- each recipient
######################################################################
SLocal_check_rcpt
S`'_cf_CR(`rcpt')
_cf_hook(`Local_check_rcpt')
R$*				$@ $>"Basic_check_rcpt" $1

dnl # EmptyRcpt: the refusal of a recipient that is no address at all
SEmptyRcpt
R$*				$#error $@ nouser $: "553 User address required"

SBasic_check_rcpt
R<>				$@ $>EmptyRcpt
R$@				$@ $>EmptyRcpt
R$*				$: $1 $| $>QueueMode
R$* $| DEFER			$@ deferred
R$* $| GO			$: $1
ifdef(`_cf_feature_promiscuous_relay', `dnl
R$*				$@ RELAY
')dnl
dnl # first the recipient (Rcpt_ok), then, unless that settled it, the
dnl # client (Relay_ok); a temporary failure of Rcpt_ok is held back and
dnl # only given when the client may not relay either
R$*				$: $1 $| <rcpt> $>"Rcpt_ok" $1
R$* $| <rcpt> $#TEMP $+		$: $1 $| <held> $2
R$* $| <rcpt> $#$*		$#$2
R$* $| <rcpt> RELAY		$@ RELAY
R$* $| <rcpt> $*		$: $1 $| <held>
R$* $| <held> $*		$: <held> $2 $| $>"Relay_ok" $1
R<held> $* $| $#TEMP $+		$#error $2
R<held> $* $| $#$*		$#$2
R<held> $* $| RELAY		$@ RELAY
R<held> $+ $| $*		$#error $1
R$*				$#error $@ 5.7.1 $: _cf_RELAYMSG

dnl # RcptKeys address: the address $| the sources a To: lookup tries;
dnl # user@ only counts for our own domains
SRcptKeys
R$+ < @ $=w >			$@ $>AddrKeys $1 < @ $2 >
R$+ < @ $* >			$@ $1 < @ $2 > $| <F:$1@$2> <D:$2>
R$+				$@ $>AddrKeys $1

dnl # AuthRelay: "$# RELAY" for a client authenticated with a trusted
dnl # mechanism, unless the admin's Local_Relay_Auth decides first ($#) or
dnl # answers NO (then the mechanism does not count); else NO
SAuthRelay
R$*				$: $>"Local_Relay_Auth" $&{auth_type}
R$#$*				$#$1
RNO				$@ NO
R$*				$: <$&{auth_type}>
R<$={TrustAuthMech}>		$# RELAY
R$*				$@ NO

dnl # RcptHost host: RELAY for a host we take mail for (ours, or one we
dnl # relay to: RelayHost), else what RelayHost found
SRcptHost
R$=w				$@ RELAY
R$+				$@ $>RelayHost <To> $1

dnl is the recipient one we accept whoever the client is?
SRcpt_ok
R$*				$: $>ParseRecipient $1
ifdef(`_cf_feature_bestmx_is_local', `dnl
dnl # bestmx_is_local: a host whose best MX is ours counts as ours
ifelse(_cf_BESTMX_LIMITED, `1', `dnl
R$* < @ $* $=B > $*		$: $1 < @ $2 $3 > $4 $| <mx $(bestmx $2 $3 $)>
', `dnl
R$* < @ $* > $*			$: $1 < @ $2 > $3 $| <mx $(bestmx $2 $)>
')dnl
R$* $=O $* < @ $* > $* $| <mx $=w .>	$@ $>"Rcpt_ok" $1 $2 $3
R$* < @ $* > $* $| <mx $=w .>	$: $1 < @ $4 > $3
R$* $| <mx $*>			$: $1
')dnl
ifdef(`_cf_feature_blocklist_recipients', `_cf_ACC(`dnl
R$+				$: <list> $>RcptKeys $1
R<list> $* $| $+		$: <$1> $| $>SearchList <+ To> $| $2 <>
R<$*> $| <?>			$: $1
R<$*> $| <$={Accept}>		$: $1
ifdef(`_cf_ACCESS_SKIP', `dnl
R<$*> $| <SKIP>			$: $1
')dnl
ifdef(`_cf_SPAMTAG', `dnl
R<$*> $| <$={SpamTag}>		$: $1
')dnl
R<$*> $| <REJECT>		$#error $@ 5.2.1 $: _cf_RCPTREJ
R<$*> $| <$+>			$: $>AccVerdict <$2> $1
R$#$*				$#$1
R<list> $*			$: $1
')')dnl
dnl # nouucp/nopercenthack "reject": a routed local part, with or without
dnl # a host after it, stands for a remote address no client may relay to
ifdef(`_cf_feature_nouucp', `ifelse(_cf_NOUUCP_ARG, `reject', `dnl
R$* ! $*			$: $2 $| <bang>
R$* < @ $* > $| <bang>		$: <REMOTE> $1 < @ BANG_PATH >
R$* $| <bang>			$: <REMOTE> $1 < @ BANG_PATH >
')')dnl
ifdef(`_cf_feature_nopercenthack', `ifelse(_cf_NOPERCENT_ARG, `reject', `dnl
R$* % $*			$: $1 $| <pct>
R$* $| <pct>			$: <REMOTE> $1 < @ PERCENT_HACK >
')')dnl
_cf_hook(`RelayTLS')
_cf_hook(`AuthRelay')
ifdef(`_cf_RELAY_FULL_ADDR', `_cf_ACC(`dnl
dnl # access_db relaytofulladdress: To:user@host RELAY entries count too,
dnl # tried before the host and user@ entries
R$+ < @ $+ >			$: $1 < @ $2 > $| <full> $>SearchList ifdef(`_cf_feature_relay_hosts_only', `<! To> $| <E:$1@$2>', `<+ To> $| <F:$1@$2> <D:$2> <F:$1@>') <>
R$* $| <full> <RELAY>		$@ RELAY
R$* $| <full> <$* <TMPF>>	$#TEMP $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R$* $| <full> $*		$: $1
')')dnl
dnl # a host we take mail for or relay to
R$+ < @ $+ >			$: $1 < @ $2 > $| <host> $>RcptHost $2
R$* $| <host> RELAY		$@ RELAY
_cf_ACC(`dnl
R$* $| <host> $* <TMPF>		$#TEMP $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
')dnl
R$* $| <host> $*		$: $1
ifdef(`_cf_feature_relay_based_on_MX', `dnl
R$+ < @ $+ >			$: $1 < @ $2 > $| $(mxserved $2 $)
R$+ < @ $+ > $| $* $=w $*	$@ RELAY
R$+ < @ $+ > $| $*		$: $1 < @ $2 >
')dnl
dnl # a user without a host is one of ours
R$* < @ $+ >			$@ $1 < @ $2 >
R$+				$@ RELAY

dnl may this client relay?  By its address (RelayByAddr), then (unless it
dnl came from there) by its name (RelayByName)
SRelay_ok
R$*				$@ $>RelayByAddr [ $&{client_addr} ]

dnl # RelayByAddr [address]: none (submitted here), 0, a loopback, a listed
dnl # network, a Connect: RELAY entry, one of our own addresses
SRelayByAddr
R[ ]				$@ RELAY
R[ 0 ]				$@ RELAY
R[ $=R $* ]			$@ RELAY
ifdef(`_cf_feature_drac', `dnl
dnl # drac: an address in the map (a recent POP/IMAP login) may relay; an
dnl # IPv6 address is also tried without its IPv6: tag
R[ $+ ]				$: [ $1 ] $| <$(drac $1 $: ? $)>
R[ IPv6 : $+ ] $| <?>		$: [ IPv6 : $1 ] $| <$(drac $1 $: ? $)>
R[ $+ ] $| <?>			$: [ $1 ]
R[ $+ ] $| <$+>			$@ RELAY
R[ $+ ] $| <>			$: [ $1 ]
')dnl
R$+				$: $1 $| $>LoopbackName $1
R$+ $| YES			$@ RELAY
R$+ $| $*			$: $1
_cf_ACC(`dnl
R[ $+ ]				$: $>Granted $>A <$1> <NO> <+ Connect> <[ $1 ]>
RRELAY				$@ RELAY
R$#$*				$#$1
')dnl
R$=w				$@ RELAY
ifdef(`_cf_feature_relay_local_from', `dnl
R$*				$: <$&f> $| $>CanonAddr $&f
R<$*> $| $+ < @ $=w . >		$@ RELAY
R<$*> $| $*			$: $1
')dnl
ifdef(`_cf_feature_relay_mail_from', `_cf_ACC(`dnl
dnl # relay_mail_from: a From: RELAY entry for the sender (with "domain",
dnl # for its domain too) lets the client relay
R$*				$: <from> $>StripDot $>CanonAddr $&f
R<from> $+ < @ $+ >		$: <from> $>SearchList <! From> $| <F:$1@$2> ifdef(`_cf_RELAY_MAIL_FROM_DOMAIN', ifdef(`_cf_feature_relay_hosts_only', `<E:$2>', `<D:$2>')) <>
R<from> <RELAY>			$@ RELAY
R<from> <$* <TMPF>>		$#TEMP $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<from> $*			$: $1
')')dnl
R$*				$@ $>RelayByName

dnl # RelayByName: the client's name, once ${client_resolve} says it can be
dnl # believed: one of ours, or a host we relay for (RelayHost)
SRelayByName
R$*				$: $&{client_resolve}
RTEMP				$#TEMP $@ 4.4.0 $: "450 Relaying temporarily denied. Cannot resolve PTR record for " $&{client_addr}
RFORGED				_cf_NAMEREFUSED(`possibly forged')
RFAIL				_cf_NAMEREFUSED(`lookup failed')
R$*				$: $>ClientHost
R$=w				$@ RELAY
R$+				$: $>RelayHost <Connect> $1
RRELAY				$@ RELAY
_cf_ACC(`dnl
R$* <TMPF>			$#TEMP $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
')dnl

dnl # ClientHost: ${client_name} made canonical (pseudo domains kept as
dnl # they are), without trailing dots
SClientHost
R$*				$: <> $&{client_name}
R<> $* $=P			$: <P> $1 $2
R<> $+				$: <P> $[ $1 $]
R<P> $* .			<P> $1
R<$*> $*			$@ $2

ifdef(`_cf_feature_delay_checks', `dnl
######################################################################
###   delay_checks: relay and sender checks run at RCPT time
######################################################################
dnl # Qualified address: the canonical address with its host, $j for a
dnl # bare user, without trailing dots
SQualified
R$* < @ $* >			$@ $>StripDot $1 < @ $2 >
R$+				$@ $>Qualified $1 < @ $j >

dnl # TlsAtRcpt answer: the answer, unless tls_client refuses the client
dnl # (the check check_mail would have made at MAIL time)
STlsAtRcpt
_cf_hook(`tls_client', `$&{verify} $| MAIL')

ifdef(`_cf_SPAM_FH', `dnl
dnl # SpamKeys address: the address $| the Spam: sources: user@domain, the
dnl # domain, and user@ for our own domains
SSpamKeys
R$+ < @ $=w >			$@ $1 < @ $2 > $| <F:$1@$2> <D:$2> <U:$1@>
R$+ < @ $* >			$@ $1 < @ $2 > $| <F:$1@$2> <D:$2>
')dnl

dnl # the checks of the recipient first: a refusal (error, discard) stands,
dnl # any other decision ends the checks once tls_client agrees
Scheck_rcpt
R$+				$: $1 $| <rcpt> $>checkrcpt $1
R$* $| <rcpt> $#error $*	$#error $2
R$* $| <rcpt> $#discard $*	$#discard $2
R$* $| <rcpt> $#$*		$: <decided> $>TlsAtRcpt $2
R<decided> $#$*			$#$1
R<decided> $*			$# $1
R$* $| <rcpt> $*		$: $>Qualified $>CanonAddr $1
ifdef(`_cf_SPAM_FH', `dnl
dnl # the Spam: entry of the recipient: FRIEND skips, HATER asks for the checks
R$+				$: <spam> $>SpamKeys $1
R<spam> $* $| $+		$: <spam> $1 $| $>SearchList <! Spam> $| $2 <>
ifelse(_cf_DELAY_MODE, `friend', `dnl
R<spam> $* $| <FRIEND>		$@ $>TlsAtRcpt SPAMFRIEND
R<spam> $* $| $*		$: $1
R<spam> $*			$: $1
', `dnl
R<spam> $* $| <HATER>		$: $1
R<spam> $*			$@ $>TlsAtRcpt NOSPAMHATER
')')dnl
dnl # then the checks of the sender and of the client
ifdef(`_FFR_MAIL_MACRO', `dnl
_cf_hook(`checkmail', `$&{mail_from}')
', `dnl
_cf_hook(`checkmail', `<$&f>')
')dnl
_cf_hook(`checkrelay', `$&{client_name} $| $&{client_addr}')
ifdef(`_cf_feature_block_bad_helo', `dnl
dnl # block_bad_helo: unless authenticated, local ($=R) or "sendmail -bs"
dnl # (address 0), a client may not greet with one of our names or
dnl # addresses, nor with a name without an inner dot
R$*				$: $1 $| <helo> $&{auth_authen}
R$* $| <helo> $+		$: $1
R$* $| <helo>			$: $1 $| <helo> <$&{client_addr}> [ $&s ]
R$* $| <helo> <$=R $*> $*	$: $1
R$* $| <helo> <0> $*		$: $1
R$* $| <helo> <$*> $=w		$#error $@ 5.7.1 $: "550 bogus HELO name used: " $&s
R$* $| <helo> <$*> [ $=w ]	$#error $@ 5.7.1 $: "550 bogus HELO name used: " $&s
R$* $| <helo> <$*> [ $+ . $+ ]	$: $1
R$* $| <helo> <$*> [ IPv6 : $+ ]	$: $1
R$* $| <helo> <$*> [ $* ]	$#error $@ 5.7.1 $: "550 bogus HELO name used: " $&s
')dnl
')dnl
