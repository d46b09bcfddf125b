divert(-1)
dnl #
dnl # virthost_by_ip.m4 -- (Debian) a host that answers for several names,
dnl # one per address: the greeting and the "by" part of the Received header
dnl # name the interface the client connected to (${if_name}), else $j; the
dnl # Received header shows the full AUTH details.
dnl #
_cf_FILEID(`hack/virthost_by_ip.m4')
define(`_cf_vh_name', `$?{if_name}${if_name}$|$j$.')
define(`confSMTP_LOGIN_MSG', _cf_vh_name` Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.')
define(`confRECEIVED_HEADER', `$?sfrom $s $.$?_($?s$|from $.$_)
	$.$?{auth_type}(user=${auth_authen} $?{auth_author}author=${auth_author} $.mech=${auth_type}$?{auth_ssf} bits=${auth_ssf}$.)
	$.by '_cf_vh_name` ($v/$Z)$?r with $r$. id $i$?{tls_version}
	(version=${tls_version} cipher=${cipher} bits=${cipher_bits} verify=${verify})$.$?u
	for $u; $|;
	$.$b')
