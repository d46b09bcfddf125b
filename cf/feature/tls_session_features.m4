divert(-1)
dnl #
dnl # tls_session_features.m4 -- per-peer TLS session settings from the access map
dnl #
_cf_FILEID(`feature/tls_session_features.m4')
PUSHDIVERT(9)dnl
Stls_srv_features
R$* $| $*			$: $>TlsPeerFeatures <TLS_Srv_Features> $1 $| $2

Stls_clt_features
R$* $| $*			$: $>TlsPeerFeatures <TLS_Clt_Features> $1 $| $2

dnl # TlsPeerFeatures <Tag> name $| address: the Tag: value for the peer's
dnl # name (or a parent domain), else for its address (or a network); ""
dnl # when the map has neither
STlsPeerFeatures
R<$-> $* $| $*			$: <$1> $| $>D <$2> <?> <! $1> <$3>
R<$-> $| <?> <$*>		$: <$1> $| $>A <$2> <?> <! $1> <$2>
R<$-> $| <?> <$*>		$@ ""
R<$-> $| <$+> <$*>		$@ $2
POPDIVERT
