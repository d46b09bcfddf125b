divert(-1)
dnl #
dnl # xconnect.m4 -- the x_connect ruleset: XConnect: access entries (by
dnl # client name or a parent domain, else by address or network) say
dnl # whether the client may use the XCONNECT command.  Needs access_db.
dnl #
_cf_FILEID(`hack/xconnect.m4')
ifdef(`_cf_feature_access_db', `dnl
PUSHDIVERT(9)dnl
dnl # x_connect name $| address: "yes" when an entry exists, "$# no" else
Sx_connect
R$+ $| $+			$: <name> $>D <$1> <?> <! XConnect> <$2>
R $| $+				$: <addr> $>A <$1> <?> <! XConnect> <>
R<name> <?> <$+>		$: <addr> $>A <$1> <?> <! XConnect> <>
R<$-> <?> <$*>			$# no
R<$-> <$+> <$*>			$@ yes
POPDIVERT
', `_cf_error(`HACK(xconnect) reads XConnect: entries of the access map: put FEATURE(access_db) first')')
