divert(-1)
dnl #
dnl # Berkeley.EDU.m4 -- the Berkeley campus sample domain: its BITNET and
dnl # UUCP relays, a cw file, redirect, stickyhost.  Kept so that old .mc
dnl # files still compile; it warns through berkeley-only.
dnl #
_cf_FILEID(`domain/Berkeley.EDU.m4')
DOMAIN(`berkeley-only')
define(`BITNET_RELAY', `bitnet-relay.Berkeley.EDU')
define(`UUCP_RELAY', `uucp-relay.Berkeley.EDU')
define(`confFORWARD_PATH', `$z/.forward.$w:$z/.forward')
define(`confCW_FILE', `-o /etc/sendmail.cw')
define(`confDONT_INIT_GROUPS', `True')
FEATURE(`redirect')
FEATURE(`use_cw_file')
FEATURE(`stickyhost')
