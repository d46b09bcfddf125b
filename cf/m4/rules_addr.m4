divert(-1)
dnl #
dnl # rules_addr.m4 -- address rulesets: how an address is tokenised into
dnl # "user < @ host . >" form (canonify=3 and its host step), checked for
dnl # syntax, routed to a mailer triple (parse=0), made presentable again
dnl # (final=4), handled after aliasing (localaddr=5), and masqueraded.
dnl #
dnl # The numbered and named rulesets the binary, the mailer S=/R= fields and
dnl # admins' LOCAL_* hooks call keep their conventional names; the steps
dnl # inside are this package's own.
dnl #
dnl # _cf_with_mailer(name, text): text only when MAILER(name) was used
define(`_cf_with_mailer', `ifdef(`_MAILER_$1_', `$2')')
divert(0)dnl
######################################################################
###   canonify -- make "user < @ host >" out of what was typed
######################################################################
Scanonify=3
R$@				$@ <@>				empty: the null address
R$*				$: <?> $1
dnl a colon that introduces a group name is dropped, but not the colons
dnl of route addresses, IPv6 literals, DECnet or :include:
R<?> $* : $* [ $* ]		$: <:> $1 : $2 [ $3 ]
R<?> $* < $* > $*		$: $1 < $2 > $3
R<?> @ $*			$: @ $1
R<?> $* [ IPv6 : $+ ]		$: $1 [ IPv6 : $2 ]
R<?> $* :: $*			$: $1 :: $2
R<?> :include: $*		$: :include: $1
R<?> $* : $*			$: <:> $1 : $2
R<?> $*				$: $1
R<:> $* : $*			$: $2				group name gone
R$* < @ >			$: $1				a bare <@> tail is dropped
R$* ;				$1				no trailing semicolons
R$* < $+ :; > $*		$@ $2 :; <@>			<list:;>
R$* < $* ; >			$1 < $2 >
R$@				$@ :; <@>			"list:;" emptied
dnl keep only the innermost <...>
R$*				$: < $1 >
R$+ < $* >			< $2 >
R< $* > $+			< $1 >
R<>				$@ <@>				MAIL FROM:<>
R< $+ >				$: $1
ifdef(`_USE_DEPRECATED_ROUTE_ADDR_', `dnl # (the deprecated form: the route stays)
R@ $+ , $+			@ $1 : $2
R@ $+ : $+			$@ $>Canonify2 < @ $1 > : $2	route kept
', `dnl
R@ $+ , $+			$2				source routes dropped
R@ [ $* ] : $+			$2
R@ $+ : $+			$2
')dnl
R $+ : $* ; @ $+		$@ $>Canonify2 $1 : $2 ; < @ $3 >
R $+ : $* ;			$@ $1 : $2;
dnl the rightmost @ separates user and host
R$+ @ $+			$: $1 < @ $2 >
R$+ < $+ @ $+ >			$1 $2 < @ $3 >
R$+ < @ $+ >			$@ $>Canonify2 $1 < @ $2 >
ifdef(`_USE_DECNET_SYNTAX_', `dnl
R$+ :: $+			$@ $>Canonify2 $2 < @ $1 .DECNET >	node::user
')dnl
ifdef(`_cf_feature_nouucp', `', `dnl
R$- ! $+			$@ $>Canonify2 $2 < @ $1 .UUCP >	host!user
R$+ . $- ! $+			$@ $>Canonify2 $3 < @ $1 . $2 >	dom.ain!user
R$+ ! $+			$@ $>Canonify2 $2 < @ $1 .UUCP >
')dnl
ifdef(`_cf_feature_nopercenthack', `', `dnl
dnl the last % is the @ of a user%host address
R$* % $*			$1 @ $2
R$* @ $* @ $*			$1 % $2 @ $3
')dnl
dnl an @ with nothing on one side is focused too (Parse0 refuses it);
dnl whatever is left, focused or not, has its host settled by Canonify2
R$* @ $*			$: $1 < @ $2 >
R$+				$@ $>Canonify2 $1

######################################################################
###   Canonify2 -- settle the host part
######################################################################
SCanonify2=96
R$* < @ localhost > $*		$: $1 < @ $j . > $2
R$* < @ localhost . $m > $*	$: $1 < @ $j . > $2
R$* < @ localhost . UUCP > $*	$: $1 < @ $j . > $2
dnl address literals: our own become $j, others stay as typed
R$* < @ [ $+ ] > $*		$: $1 < @@ [ $2 ] > $3
R$* < @@ $=w > $*		$: $1 < @ $j . > $3
R$* < @@ $+ > $*		$@ $1 < @ $2 > $3
ifdef(`_cf_feature_domaintable', `dnl
R$* < @ $+ > $*			$: $1 < @ $(domaintable $2 $) > $3
')dnl
undivert(2)dnl
ifdef(`_cf_feature_bitdomain', `dnl
R$* < @ $+ .BITNET > $*		$: $1 < @ $(bitdomain $2 $: $2.BITNET $) > $3
')dnl
ifdef(`_cf_feature_uucpdomain', `dnl
R$* < @ $+ .UUCP > $*		$: $1 < @ $(uudomain $2 $: $2.UUCP $) > $3
')dnl
ifdef(`_cf_feature_nouucp', `', `ifdef(`UUCP_RELAY', `dnl
dnl # the UUCP relay gets every .UUCP host as it is
R$* < @ $+ . UUCP > $*		$@ $1 < @ $2 . UUCP . > $3
', `dnl
dnl # neighbours named by SITECONFIG are final; another .UUCP name may be ours
ifdef(`_CLASS_U_', `R$* < @ $=U . UUCP > $*	$@ $1 < @ $2 . UUCP . > $3
')dnl
ifdef(`_CLASS_V_', `R$* < @ $=V . UUCP > $*	$@ $1 < @ $2 . UUCP . > $3
')dnl
ifdef(`_CLASS_W_', `R$* < @ $=W . UUCP > $*	$@ $1 < @ $2 . UUCP . > $3
')dnl
ifdef(`_CLASS_X_', `R$* < @ $=X . UUCP > $*	$@ $1 < @ $2 . UUCP . > $3
')dnl
ifdef(`_CLASS_Y_', `R$* < @ $=Y . UUCP > $*	$@ $1 < @ $2 . UUCP . > $3
')dnl
ifdef(`_cf_feature_nocanonify', `', `dnl
dnl # a .UUCP name the resolver knows becomes that name
R$* < @ $+ . UUCP > $*		$: $1 < @ $2 . UUCP . > $3 $| $[ $2 $]
R$* < @ $+ . UUCP . > $* $| $+ .	$@ $1 < @ $4 . > $3
R$* $| $*			$: $1
')')')dnl
R$* < @ $* $=P > $*		$: $1 < @ $2 $3 . > $4		pseudo domains
dnl # the daemon's flags ride behind a $| while the host is settled
R$* < @ $* $~P > $*		$: $1 < @ $2 $3 > $4 $| $&{daemon_flags}
ifdef(`_cf_feature_nocanonify', `dnl
dnl # nocanonify: only $={Canonify} hosts, or all with M=c, are looked up
R$* < @ $* $={Canonify} > $* $| $*	$: $1 < @ $[ $2 $3 $] > $4
R$* < @ $* > $* $| $* c $*	$: $1 < @ $[ $2 $] > $3
ifelse(_cf_NOCANON_ARG, `canonify_hosts', `dnl
R$* < @ $- > $* $| $*		$: $1 < @ $[ $2 $] > $3		plain host names
')dnl
R$* < @ $+ . > $* $| $*		$: $1 < @ $2 . > $3
R$* < @ $+.$+ > $* $| $*	$: $1 < @ $2.$3 . > $4
', `dnl
R$* < @ $+.$+ > $* $| $* CC $*	$: $1 < @ $2.$3 . > $4		M=CC: no lookups
R$* $| $* CC $*			$: $1
R$* < @ $* > $* $| $*		$: $1 < @ $[ $2 $] > $3		ask the resolver
')dnl
R$* $| $*			$: $1
R$* < @ $=w > $*		$: $1 < @ $2 . > $3		ours: mark canonical
R$* < @ $=M > $*		$: $1 < @ $2 . > $3
ifdef(`_cf_feature_masquerade_entire_domain', `dnl
R$* < @ $* $=M > $*		$: $1 < @ $2 $3 . > $4
')dnl
ifdef(`_cf_feature_virtusertable', `ifdef(`_cf_feature_virtuser_entire_domain', `dnl
R$* < @ $* $={VirtHost} > $*	$: $1 < @ $2 $3 . > $4		virtual, any depth
', `dnl
R$* < @ $={VirtHost} > $*	$: $1 < @ $2 . > $3
')')dnl
ifdef(`_cf_feature_genericstable', `dnl
R$* < @ $=G > $*		$: $1 < @ $2 . > $3
ifdef(`_cf_feature_generics_entire_domain', `dnl
R$* < @ $* $=G > $*		$: $1 < @ $2 $3 . > $4
')')dnl
R$* < @ $*.. > $*		$1 < @ $2. > $3			one dot is enough

######################################################################
###   final -- back to the form used in messages
######################################################################
Sfinal=4
R$+ :; <@>			$@ $1 :
R$* <@>				$@
dnl # our placeholder becomes our name, then no host keeps its final dot
R$* < @ *LOCAL* > $*		$1 < @ $j . > $2
R$* @ $+ . > $*			$1 @ $2 > $3
R$* < $+ > $*			$1 $2 $3
R@ $+ : @ $+ : $+		@ $1 , @ $2 : $3
R@ $*				$@ @ $1
ifdef(`_USE_DECNET_SYNTAX_', `dnl
R$+ @ $+ . DECNET		$2 :: $1
')dnl
ifdef(`_cf_feature_nouucp', `', `dnl
R$+ @ $- . UUCP			$2!$1
')dnl
R$+ % $=w @ $=w			$1 @ $2

dnl # Recurse: an address that a table rewrote goes through canonify and
dnl # parse again
SRecurse=97
R$*				$@ $>parse $>canonify $1

######################################################################
###   parse -- choose mailer, host and user
######################################################################
Sparse=0
R$*				$: $>Parse0 $1
R<@>				$#_cf_LOCAL_MAILER $: <@>
R$*				$: $>ParseLocal $1
R$*				$: $>Parse1 $1

SParse0
R<@>				$@ <@>
R$* : $* ; <@>			$#error $@ 5.1.3 $: "553 List:; syntax illegal for recipient addresses"
R@ <@ $* >			< @ $1 >
R<@ $+>				$#error $@ 5.1.3 $: "553 User address required"
R$+ <@>				$#error $@ 5.1.3 $: "553 Hostname required"
dnl a host part must not hold text after a literal, or a colon
R$*				$: <!> $1
R<!> $* < @ [ $* ] : $+ > $*	$1 < @ [ $2 ] : $3 > $4
R<!> $* < @ [ $* ] , $+ > $*	$1 < @ [ $2 ] , $3 > $4
R<!> $* < @ [ $* ] $+ > $*	$#error $@ 5.1.2 $: "553 Invalid address"
R<!> $* < @ [ $+ ] > $*		$1 < @ [ $2 ] > $3
R<!> $* <$* : $* > $*		$#error $@ 5.1.3 $: "553 Colon illegal in host name part"
R<!> $*				$1
R$* < @ . $* > $*		$#error $@ 5.1.2 $: "553 Invalid host name"
R$* < @ $* .. $* > $*		$#error $@ 5.1.2 $: "553 Invalid host name"
R$* < @ $* @ > $*		$#error $@ 5.1.2 $: "553 Invalid route address"
R$* @ $* < @ $* > $*		$#error $@ 5.1.3 $: "553 Invalid route address"
R$* , $~O $*			$#error $@ 5.1.3 $: "553 Invalid route address"
ifdef(`_STRICT_RFC821_', `dnl
R. $* < @ $* > $*		$#error $@ 5.1.3 $: "553 Local part must not start with a dot"
R$* . < @ $* > $*		$#error $@ 5.1.3 $: "553 Local part must not end with a dot"
R$* .. $* < @ $* > $*		$#error $@ 5.1.3 $: "553 Local part must not contain two dots"
')dnl
dnl our own host names are dropped; what is left is parsed again
R$* < @ > $*			$@ $>Parse0 $>canonify $1
R< @ $=w . > : $*		$@ $>Parse0 $>canonify $2
R$- < @ $=w . >			$: $(dequote $1 $) < @ $2 . >
R< @ $+ >			$#error $@ 5.1.3 $: "553 User address required"
R$* $=O $* < @ $=w . >		$@ $>Parse0 $>canonify $1 $2 $3
R$-				$: $(dequote $1 $) < @ *LOCAL* >
R< @ *LOCAL* >			$#error $@ 5.1.3 $: "553 User address required"
R$* $=O $* < @ *LOCAL* >	$@ $>Parse0 $>canonify $1 $2 $3
R$+ < @ *LOCAL* >		$1
ifdef(`_cf_feature_bcc', `dnl
R$+				$: $>ParseBcc $1
')dnl
ifdef(`_cf_feature_prefixmod', `dnl
R$* $=O $* < @ $* >		$@ $1 $2 $3 < @ $4 >
R_cf_PREFIXMOD_PFX $+		$: $(macro {rcpt_flags} $@ _cf_PREFIXMOD_FLAGS $) $1
')dnl

ifdef(`_cf_feature_bcc', `dnl
dnl # ParseBcc address: the blind copy the binary adds (its {addr_type} is
dnl # "e b") is sent to the copy host named in $A; anything else passes
SParseBcc
R$+				$: <$&{addr_type}> $1
R<e b> $+			$@ $>MailerToTriple < $A > $1
R<$*> $+			$@ $2

')dnl
SParse1
ifdef(`_cf_feature_ldap_routing', `dnl
dnl # LDAP routing: the key is user@domain ($M stands for an equivalent
dnl # domain); LDAPExpand answers with a triple or an address
R$+ < @ $={LDAPRoute} . >	$: <ldap> $1 < @ $2 . > $| $1 @ $2
R$+ < @ $={LDAPRouteEquiv} . >	$: <ldap> $1 < @ $2 . > $| $1 @ $M
R<ldap> $+ $| $+		$: $>LDAPExpand <$1> <$2> <>
')dnl
ifdef(`_cf_HAVE_SMTP', `dnl
dnl an address literal goes straight there, or through the smart host
R$* < @ [ $+ ] > $*		$: $>ParseLocal $1 < @ [ $2 ] > $3
R$* < @ [ $+ ] > $*		$: $1 < @ [ $2 ] : $S > $3
R$* < @ [ $+ ] : > $*		$#_cf_SMTP_MAILER $@ [$2] $: $1 < @ [$2] > $3
R$* < @ [ $+ ] : $- : $*> $*	$#$3 $@ $4 $: $1 < @ [$2] > $5
R$* < @ [ $+ ] : $+ > $*	$#_cf_SMTP_MAILER $@ $3 $: $1 < @ [$2] > $4
')dnl
ifdef(`_cf_feature_virtusertable', `dnl
dnl virtual users: user@dom, user+detail forms, then @dom; <!> marks an
dnl address not tried yet, <?> one the keys so far did not find
R$+				$: <!> $1
ifdef(`_cf_feature_virtuser_entire_domain', `dnl
R<!> $+ < @ $* $={VirtHost} . >	$: < $(virtuser $1 @ $2 $3 $@ $1 $: ? $) > $1 < @ $2 $3 . >
', `dnl
R<!> $+ < @ $={VirtHost} . >	$: < $(virtuser $1 @ $2 $@ $1 $: ? $) > $1 < @ $2 . >
')dnl
R<!> $+ < @ $=w . >		$: < $(virtuser $1 @ $2 $@ $1 $: ? $) > $1 < @ $2 . >
R<?> $+ + $+ < @ $* . >		$: < $(virtuser $1 + + @ $3 $@ $1 $@ $2 $@ +$2 $: ? $) > $1 + $2 < @ $3 . >
R<?> $+ + $* < @ $* . >		$: < $(virtuser $1 + * @ $3 $@ $1 $@ $2 $@ +$2 $: ? $) > $1 + $2 < @ $3 . >
R<?> $+ + $* < @ $* . >		$: < $(virtuser $1 @ $3 $@ $1 $@ $2 $@ +$2 $: ? $) > $1 + $2 < @ $3 . >
R<?> $+ + $+ < @ $+ . >		$: < $(virtuser + + @ $3 $@ $1 $@ $2 $@ +$2 $: ? $) > $1 + $2 < @ $3 . >
R<?> $+ + $* < @ $+ . >		$: < $(virtuser + * @ $3 $@ $1 $@ $2 $@ +$2 $: ? $) > $1 + $2 < @ $3 . >
R<?> $+ + $* < @ $+ . >		$: < $(virtuser @ $3 $@ $1 $@ $2 $@ +$2 $: ! $) > $1 + $2 < @ $3 . >
ifdef(`_cf_feature_virtuser_entire_domain', `dnl
R<?> $+ < @ $+ . >		$: < $(virtuser @ $2 $@ $1 $: ? $) > $1 < @ $2 . >
R<?> $+ < @ $- . $={VirtHost} . >	$: < $(virtuser @ $2.$3 $@ $1 $: ? $) > $1 < @ $2 . $3 . >
', `dnl
R<?> $+ < @ $+ . >		$: < $(virtuser @ $2 $@ $1 $: ? $) > $1 < @ $2 . >
')dnl
R<?> $+				$: $1
R<!> $+				$: $1
R< error : $- $+ > $*		$@ $>ErrorTriple <V> $1 $2
R< $+ > $+ < @ $+ >		$: $>Recurse $1
')dnl
dnl # news.group.USENET@this.host is posted, before local delivery sees it
_cf_with_mailer(`usenet', `R$+ . USENET < @ $=w . >	$#usenet $@ usenet $: $1
')dnl
ifdef(`_cf_feature_stickyhost', `dnl
dnl # user@this.host sticks: to MAIL_HUB when there is one (host kept),
dnl # else delivered here under the bare user name (+detail kept)
R$+ < @ $=w . >			$: < $H > $1 < @ $2 . >
R< $+ > $+ < $+ >		$>MailerToTriple < $1 > $2 < $3 >
R< > $+ + $* < $+ >		$#_cf_LOCAL_MAILER $: $1 + $2
R< > $+ < $+ >			$#_cf_LOCAL_MAILER $: @ $1
', `dnl
R$=L < @ $=w . >		$#_cf_LOCAL_MAILER $: @ $1		listed local users
R$+ < @ $=w . >			$#_cf_LOCAL_MAILER $: $1		mail for this host
')dnl
ifdef(`_cf_feature_mailertable', `dnl
R$* < @ $+ > $*			$: < $2 > $1 < @ $2 > $3
R< $+ . > $*			$: < $1 > $2
R< $+ > $*			$: < $(mailertable $1 $) > $2
R< $~[ : $* > $*		$>MailerToTriple < $1 : $2 > $3
R< $+ > $*			$: $>Mailertable <$1> $2
')dnl
undivert(4)dnl
ifdef(`UUCP_RELAY', `dnl
R$* < @ $* . UUCP. > $*		$: $>MailerToTriple < $Y > $1 < @ $2 . UUCP. > $3
', `ifdef(`_MAILER_uucp_', `dnl
dnl # no UUCP relay: other .UUCP hosts go straight out over uux
R$* < @ $+ .UUCP. > $*		$#_cf_UUCP_MAILER $@ $2 $: $1 < @ $2 .UUCP. > $3
')')dnl
ifdef(`BITNET_RELAY', `dnl
R$* < @ $* . BITNET. > $*	$: $>MailerToTriple < $B > $1 < @ $2 . BITNET. > $3
')dnl
ifdef(`DECNET_RELAY', `dnl
R$* < @ $* . DECNET. > $*	$: $>MailerToTriple < $C > $1 < @ $2 . DECNET. > $3
')dnl
dnl # .FAX hosts: our own fax mailer first, else the fax relay
ifdef(`_MAILER_fax_', `dnl
R$+ < @ $+ .FAX. >		$#fax $@ $2 $: $1
', `ifdef(`FAX_RELAY', `dnl
R$* < @ $* . FAX. > $*		$: $>MailerToTriple < $F > $1 < @ $2 . FAX. > $3
')')dnl
ifdef(`_MAILER_pop_', `dnl
R$+ < @ POP. >			$#pop $: $1
')dnl
dnl # a bare news.group.USENET (no host) is posted too
_cf_with_mailer(`usenet', `R$+ . USENET			$#usenet $@ usenet $: $1
')dnl
ifdef(`_LOCAL_RULES_', `undivert(1)')dnl
ifdef(`_cf_HAVE_SMTP', `dnl
dnl remote: through the smart host if there is one, else directly
R$* < @ $* > $*			$: $>MailerToTriple < $S > $1 < @ $2 > $3
R$* < @$* > $*			$#_cf_SMTP_MAILER $@ $2 $: $1 < @ $2 > $3
', `dnl
R$* < @ $* > $*			$: $>MailerToTriple < $S > $1 < @ $2 > $3
R$* < @ $* > $*			$#error $@ 5.1.2 $: "553 Unrecognized host name " $2
')dnl
ifdef(`LOCAL_RELAY', `ifdef(`_cf_feature_stickyhost', `', `dnl
R$=L				$#_cf_LOCAL_MAILER $: @ $1
R$+				$: $>MailerToTriple < $R > $1
')')dnl
R$=L				$#_cf_LOCAL_MAILER $: @ $1
R$+				$#_cf_LOCAL_MAILER $: $1

######################################################################
###   localaddr -- a local recipient after aliasing
######################################################################
SLocal_localaddr
Slocaladdr=5
dnl # an admin's Local_localaddr may decide ($#ok: keep the address as it is)
R$+				$: $1 $| <hook> $>"Local_localaddr" $1
R$+ $| <hook> $#ok		$@ $1
R$+ $| <hook> $#$*		$#$2
R$+ $| <hook> $*		$: $1
ifdef(`_cf_feature_preserve_luser_host', `dnl
R$+ < @ $+ >			$: $(macro {Host} $@ $2 $) $1 < @ $2 >
')dnl
ifdef(`_cf_feature_preserve_local_plus_detail', `', `dnl
R$+ + *				$#_cf_LOCAL_MAILER $@ $&h $: $1
R$+ + $*			$#_cf_LOCAL_MAILER $@ + $2 $: $1 + *
')dnl
R$+				$: <> $1
dnl # not a user of this machine: to the LUSER_RELAY, then a hub or relay
ifdef(`LUSER_RELAY', `R< > $+				$: < $L > $(user $1 $)
R< $* > $+ <>			$: < > $2
ifdef(`_cf_feature_preserve_luser_host', `dnl
R< local : $* > $+		$: $>MailerToTriple < local : $1 > $2
R< $+ > $+			$: < $1 > $2 < @ $&{Host} >
')')dnl
ifdef(`MAIL_HUB', `R< > $+				$: < $H > $1
')dnl
ifdef(`LOCAL_RELAY', `R< > $+				$: < $R > $1
')dnl
ifdef(`_cf_feature_preserve_local_plus_detail', `dnl
dnl nobody claimed it: the address stays as it is, +detail and all
R< > $+				$@ $1
', `dnl
dnl nobody claimed it: local, keeping a +detail that came in $h
R< > $+				$: < > < $1 <> $&h >
R< > < $+ <> + $* >		$: < > < $1 + $2 >
R< > < $+ <> $* >		$: < > < $1 >
R< > < $+ + $* > $*		   < > < $1 > + $2 $3
R< > < $+ > + $*		$#_cf_LOCAL_MAILER $@ $2 $: @ $1
R< > < $+ >			$@ $1
R$+				$: $1 <> $&h
R$+ <> + $*			$: $1 + $2
R$+ <> $*			$: $1
')dnl
R< local : $* > $*		$: $>MailerToTriple < local : $1 > $2
R< error : $* > $*		$: $>MailerToTriple < error : $1 > $2
R< $+ > $+			$@ $>MailerToTriple $>RelayVia < $1 > $2

dnl # RelayVia <[mailer:]host> user: the user addressed at that host, for
dnl # MailerToTriple
SRelayVia
R< $~[ : $+ > $+		$@ < $1 : $2 > $3 < @ $2 >
R< $+ > $+			$@ < $1 > $2 < @ $1 >

ifdef(`_cf_feature_mailertable', `dnl
######################################################################
###   Mailertable -- try .parent.domains, then "."
######################################################################
SMailertable=90
dnl # prefix <label.parent> rest: split off the first label (kept for %1)
dnl # and look the parent up as ".parent"
R$* <$- . $+ > $*		$: $1$2 <. $3> <$2> $4
R$* <. $+> <$-> $*		$: $1 < $(mailertable .$2 $@ $1 $@ $3 $) > $4
R$* <$~[ : $* > $*		$>MailerToTriple < $2 : $3 > $4
R$* < . $+ > $*			$@ $>Mailertable $1 . <$2> $3
R$* < $* > $*			$: < $(mailertable . $@ $1$2 $) > $3
R< $~[ : $* > $*		$>MailerToTriple < $1 : $2 > $3
R< $* > $*			$@ $2
')dnl

######################################################################
###   MailerToTriple -- "<mailer:host> address" to $# $@ $:
######################################################################
SMailerToTriple=95
R< > $*				$@ $1
R< error : $+ > $*		$@ $>ErrorTriple <M> $1
R< local : $* > $*		$@ $>CanonLocal < $1 > $2
R< $~[ : $+ @ $+ > $*<$*>$*	$# $1 $@ $3 $: $2<@$3>
R< $~[ : $+ > $*		$# $1 $@ $2 $: $3
R< $=w > $*			$@ $2
R< $+ > $*			$#_cf_RELAY_MAILER $@ $1 $: $2

dnl # CanonLocal <user> address: local delivery named by a table; the user
dnl # goes behind a $| first (empty: the address's own local part)
SCanonLocal
R< $* > $*			$: $2 $| $1
R< @ $+ > : $+ $| $*		$@ $>Recurse $2				routed: the rest
R$+ $=O $+ < @ $+ > $| $*	$@ $>Recurse $1 $2 $3
R$* < @ $* . > $| $*		$: $1 < @ $2 > $| $3
R$* < @ $* > $* $|		$#_cf_LOCAL_MAILER $@ $1@$2 $: $1
R$+ $|				$#_cf_LOCAL_MAILER $@ $1 $: $1
R$* < @ $* > $| $+ @ $+		$: $1 < @ $2 > $| $3
R$* <@ $* > $* $| $+		$#_cf_LOCAL_MAILER $@ $1@$2 $: $4
R$* $| $+			$#_cf_LOCAL_MAILER $@ $1 $: $2

dnl # ErrorTriple <M|V> text: an "error:" value as $#error.  Both kinds know
dnl # d.d.d:text; mailer tables (M) also code:text and bare text, the
dnl # virtual user table (V) "code text"
SErrorTriple
R<$-> $-.$-.$- : $+		$#error $@ $2.$3.$4 $: $5
R<M> $- : $+			$#error $@ $(dequote $1 $) $: $2
R<M> $+				$#error $: $1
R<V> $- $+			$#error $@ $(dequote $1 $) $: $2

######################################################################
###   MasqHdr / MasqEnv -- what our addresses look like to others
######################################################################
SMasqHdr=93
ifdef(`_cf_feature_genericstable', `dnl
ifdef(`_cf_feature_generics_entire_domain', `dnl
R$+ < @ $* $=G . >		$: < $1@$2$3 > $1 < @ $2$3 . > @
', `dnl
R$+ < @ $=G . >			$: < $1@$2 > $1 < @ $2 . > @
')dnl
R$+ < @ *LOCAL* >		$: < $1@$j > $1 < @ *LOCAL* > @
dnl # <? user@host> marks an address the full key did not find, <!> one
dnl # whose other keys are still to be tried
R< $+ > $+ < $* > @		$: < $(generics $1 $: ? $1 $) > $2 < $3 >
R<? $+ + $* @ $+> $+ < @ $+ >	$: < $(generics $1+*@$3 $@ $2 $:? $1 + $2@$3 $) >  $4 < @ $5 >
R<? $+ + $* @ $+> $+ < @ $+ >	$: < $(generics $1@$3 $: ! $) > $4 < @ $5 >
R<? $+ > $+ < @ $+ >		$: <!> $2 < @ $3 >
R<!> $+ < @ $+ . >		$: < $(generics @$2 $@ $1 $: ! $) > $1 < @ $2 . >
R<!> $+ < @ $+ >		$: < $(generics $1 $: ! $) > $1 < @ $2 >
R<!> $+ + $* < @ $+ >		$: < $(generics $1+* $@ $2 $: ! $) > $1 + $2 < @ $3 >
R<!> $+ + $* < @ $+ >		$: < $(generics $1 $: ! $) > $1 + $2 < @ $3 >
R<!> $*				$: $1
R< $* @ $* > $* < $* >		$@ $>canonify $1 @ $2
R< $+ > $* < $* >		$: $>canonify $1 @ *LOCAL*
R< > $*				$: $1
')dnl
R$* < @ $* $=N . >		$@ $1 < @ $2 $3 . >		never masqueraded
ifdef(`MASQUERADE_NAME', `R$=E < @ *LOCAL* >		$@ $1 < @ $j . >		exposed users
ifdef(`_cf_feature_limited_masquerade', `', `dnl
R$=E < @ $=w . >		$@ $1 < @ $2 . >
')dnl
R$=E < @ $=M . >		$@ $1 < @ $2 . >
ifdef(`_cf_feature_masquerade_entire_domain', `dnl
R$* < @ $* $=M . > $*		$: $1 < @ $2 $3 . @ $M > $4
', `dnl
R$* < @ $=M . > $*		$: $1 < @ $2 . @ $M > $3
')dnl
ifdef(`_cf_feature_limited_masquerade', `', `dnl
R$* < @ $=w . > $*		$: $1 < @ $2 . @ $M > $3
')dnl
R$* < @ *LOCAL* > $*		$: $1 < @ *LOCAL* @ $M > $2
R$* < @ *LOCAL* @ $* > $*	$: $1 < @ $j . @ $2 > $3
R$* < @ $+ @ > $*		$: $1 < @ $2 > $3
R$* < @ $+ @ $+ > $*		$: $1 < @ $3 . > $4
', `dnl
R$* < @ *LOCAL* >		$@ $1 < @ $j . >
')dnl

SMasqEnv=94
ifdef(`_cf_feature_masquerade_envelope', `dnl
R$+				$@ $>MasqHdr $1
', `dnl
R$+				$@ $>HereDot $1
')dnl

dnl # HereDot address: the *LOCAL* placeholder host becomes our name "$j."
SHereDot
R$* < @ *LOCAL* > $*		$@ $1 < @ $j . > $2

SParseLocal=98
undivert(3)dnl
ifdef(`_cf_feature_ldap_routing', `

######################################################################
###   LDAPExpand <parsed address> <lookup key> <+detail>
######################################################################
dnl # Answers a triple for a mail host elsewhere, the (new) parsed address
dnl # when the mail is ours, or the address unchanged when LDAP does not
dnl # know the user (refused with arg 3 bounce/sendertoo).
SLDAPExpand
R<$+> <$+> <$*>			$: <$1> <$2> <$3> $| <$(ldapmh $2 $: $)>
R<$+> <$+> <$*> $| <$*>		$: <$(ldapmra $2 $: $)> <$4> <$1> <$2> <$3>
dnl # a lookup failed for now: the address is kept (and queued), or with
dnl # "tempfail" an SMTP recipient is refused for now
R<$* <TMPF>> <$*> <$+> <$+> <$*>	$: <tmpf> $3 $| $&{opMode} $| <$&{addr_type}>
R<$*> <$* <TMPF>> <$+> <$+> <$*>	$: <tmpf> $3 $| $&{opMode} $| <$&{addr_type}>
ifelse(_cf_LDAPR_TEMPFAIL, `1', `dnl
R<tmpf> $+ $| $={SMTPOpModes} $| <e r>	$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
')dnl
R<tmpf> $+ $| $* $| $*		$@ $1
ifelse(_cf_LDAPR_DETAIL, `preserve', `dnl
dnl # preserve: the +detail goes into the routing address
R<$+ @ $+> <$*> <$+> <$+> <$*>	$: <$1 $6 @ $2> <$3> <$4> <$5> <$6>
')dnl
dnl # a routing address, to be delivered at the mail host
R<$+> <$*> <$+> <$+> <$*>	$@ $>LDAPRouteTo <$2> <new> $1
dnl # only a mail host: the address as it was, delivered there
R<> <$+> <$+> <$+> <$*>		$@ $>LDAPRouteTo <$1> <old> $2
dnl # nothing known: try user@domain without the +detail, then @domain
ifelse(_cf_LDAPR_DETAIL, `', `', `dnl
R<> <> <$+> <$+ + $* @ $+> <>	$@ $>LDAPExpand <$1> <$2 @ $4> <+$3>
')dnl
ifdef(`_cf_LDAPR_NODOMAIN', `dnl
R<> <> <$+> <$+ @ $+> <$*>	$: <> <> <$1> <@ $3> <$4>
', `dnl
ifelse(_cf_LDAPR_DETAIL, `preserve', `dnl
R<> <> <$+> <$+ + $* @ $+> <>	$@ $>LDAPExpand <$1> <@ $4> <+$3>
')dnl
R<> <> <$+> <$+ @ $+> <$*>	$@ $>LDAPExpand <$1> <@ $3> <$4>
')dnl
dnl # not even the domain is known
ifelse(_cf_LDAPR_UNKNOWN, `keep', `dnl
R<> <> <$+> <@ $+> <$*>		$@ $1
', `dnl
R<> <> <$+> <@ $+> <$*>		$: <unknown $&{addr_type}> $1
R<unknown e r> $+		$#error $@ nouser $: "550 User unknown"
ifelse(_cf_LDAPR_UNKNOWN, `sender', `dnl
R<unknown e s> $+		$#error $@ nouser $: "550 User unknown"
')dnl
R<unknown $*> $+		$@ $2
')dnl

dnl # LDAPRouteTo <mail host> <new|old> address: a host of ours, or none,
dnl # keeps the mail here (a new routing address is parsed again); another
dnl # host gets it through the mailertable or the relay mailer
SLDAPRouteTo
R<> <new> $+			$@ $>Parse0 $>canonify $1
R<$=w> <new> $+			$@ $>Parse0 $>canonify $2
R<$=w> <old> $+			$@ $2
R<$+> <new> $+			$: <$1> <old> $>canonify $2
ifdef(`_cf_feature_mailertable', `dnl
R<$+> <old> $+			$@ $>LDAPMailertable <$1> $2

dnl # LDAPMailertable <host> address: the mailertable entry for the host
dnl # (a value without a mailer names the host to try instead), then its
dnl # parent domains; else the relay mailer to that host
SLDAPMailertable
R<$+> $*			$: <$(mailertable $1 $)> $| $2
R<$~[ : $*> $| $*		$@ $>MailerToTriple < $1 : $2 > $3
R<$+> $| $*			$: <$1> $| $>Mailertable <$1> $2
R<$+> $| $#$*			$#$2
R<$+> $| $*			$#_cf_RELAY_MAILER $@ $1 $: $2
', `dnl
R<$+> <old> $+			$#_cf_RELAY_MAILER $@ $1 $: $2
')dnl
')dnl
