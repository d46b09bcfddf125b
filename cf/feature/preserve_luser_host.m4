divert(-1)
dnl #
dnl # preserve_luser_host.m4 -- keep the recipient host when sending to LUSER_RELAY
dnl #
_cf_FILEID(`feature/preserve_luser_host.m4')
ifdef(`LUSER_RELAY', `', `_cf_warn(`FEATURE(preserve_luser_host) has no effect unless LUSER_RELAY is defined before it')')
define(`_cf_NEED_MACRO_MAP', `1')
