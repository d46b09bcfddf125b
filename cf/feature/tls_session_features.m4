divert(-1)
dnl #
dnl # tls_session_features.m4 -- per-peer TLS session settings from the
dnl # access map (TLS_Srv_Features:, TLS_Clt_Features:); the rulesets
dnl # tls_srv_features and tls_clt_features are written by rules_tls.m4
dnl #
_cf_FILEID(`feature/tls_session_features.m4')
