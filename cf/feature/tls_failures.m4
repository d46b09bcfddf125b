divert(-1)
dnl #
dnl # tls_failures.m4 -- obsolete: use confTLS_FALLBACK_TO_CLEAR
dnl #
_cf_FILEID(`feature/tls_failures.m4')
_cf_warn(`FEATURE(tls_failures) is obsolete; use define(confTLS_FALLBACK_TO_CLEAR, true)')
define(`confTLS_FALLBACK_TO_CLEAR', `true')
