divert(-1)
dnl #
dnl # ldap_routing.m4 -- route by LDAP mailHost / mailRoutingAddress
dnl #
_cf_FILEID(`feature/ldap_routing.m4')
_cf_warn(`FEATURE(ldap_routing) is not supported by this cf package yet; the generated cf does not include it')
