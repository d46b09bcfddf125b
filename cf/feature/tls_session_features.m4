divert(-1)
dnl #
dnl # tls_session_features.m4 -- per-peer TLS session settings from the access map
dnl #
_cf_FILEID(`feature/tls_session_features.m4')
PUSHDIVERT(9)dnl
Stls_srv_features
R$* $| $*			$: $>D <$1> <?> <! TLS_Srv_Features> <$2>
R<?> <$*>			$: $>A <$1> <?> <! TLS_Srv_Features> <$1>
R<?> <$*>			$@ ""
R<$+> <$*>			$@ $1

Stls_clt_features
R$* $| $*			$: $>D <$1> <?> <! TLS_Clt_Features> <$2>
R<?> <$*>			$: $>A <$1> <?> <! TLS_Clt_Features> <$1>
R<?> <$*>			$@ ""
R<$+> <$*>			$@ $1
POPDIVERT
