divert(-1)
dnl #
dnl # ldap_routing.m4 -- route recipients of the $={LDAPRoute} domains (and
dnl # of $={LDAPRouteEquiv}, looked up under the masquerade name) by the
dnl # mailHost and mailRoutingAddress attributes of their LDAP entries.
dnl #   arg 1: mailHost map (default: an ldap map on inetLocalMailRecipient)
dnl #   arg 2: mailRoutingAddress map (same default)
dnl #   arg 3: passthru (default: unknown users keep their address),
dnl #          bounce (unknown recipients are refused), sendertoo (unknown
dnl #          senders are refused as well)
dnl #   arg 4: strip or preserve: retry a user+detail as user; preserve
dnl #          also keeps the +detail in a routing address
dnl #   arg 5: non-empty: no "@domain" catch-all lookup
dnl #   arg 6: tempfail (a failed lookup refuses the SMTP recipient) or
dnl #          queue (default: the address is kept and queued)
dnl # The rulesets LDAPExpand and LDAPMailertable are written by
dnl # rules_addr.m4.
dnl #
_cf_FILEID(`feature/ldap_routing.m4')
ifelse(_ARG1_, `', `define(`_cf_LDAPR_DEFAULTMAP', `1')')
ifelse(_ARG2_, `', `define(`_cf_LDAPR_DEFAULTMAP', `1')')
ifelse(_ARG5_, `', `', `define(`_cf_LDAPR_NODOMAIN', `1')')
define(`_cf_LDAPR_UNKNOWN', ifelse(_ARG3_, `', `keep', _ARG3_, `passthru', `keep',
	_ARG3_, `sendertoo', `sender', `bounce'))
define(`_cf_LDAPR_DETAIL', ifelse(_ARG4_, `strip', `strip', _ARG4_, `preserve', `preserve', `'))
define(`_cf_LDAPR_TEMPFAIL', ifelse(_ARG6_, `tempfail', `1', `'))
define(`_cf_SMTPOPMODES', `1')
dnl # _cf_ldapr_map(attribute): the default map definition for one attribute
define(`_cf_ldapr_map', `ldap -1 -T<TMPF> -v $1 -k (&(objectClass=inetLocalMailRecipient)(mailLocalAddress=%0))')
PUSHDIVERT(6)dnl
Kldapmh ifelse(_ARG1_, `', `_cf_ldapr_map(`mailHost')', `_ARG1_')
Kldapmra ifelse(_ARG2_, `', `_cf_ldapr_map(`mailRoutingAddress')', `_ARG2_')
POPDIVERT
