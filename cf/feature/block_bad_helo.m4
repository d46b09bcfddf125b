divert(-1)
dnl #
dnl # block_bad_helo.m4 -- with delay_checks, refuse HELO names that claim to be us
dnl #
_cf_FILEID(`feature/block_bad_helo.m4')
RELAY_DOMAIN(`127.0.0.1')
RELAY_DOMAIN(`IPv6:0:0:0:0:0:0:0:1 IPv6:::1')
LOCAL_DOMAIN(`[127.0.0.1]')
LOCAL_DOMAIN(`[IPv6:0:0:0:0:0:0:0:1] [IPv6:::1]')
