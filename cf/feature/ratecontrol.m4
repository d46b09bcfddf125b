divert(-1)
dnl #
dnl # ratecontrol.m4 -- limit clients per access-map entries (args: nodelay, terminate)
dnl #
_cf_FILEID(`feature/ratecontrol.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(ratecontrol) needs FEATURE(access_db) before it')')
define(`_cf_WANT_A_SRC', `1')
ifelse(_cf_lc(_ARG_), `nodelay', `ifdef(`_cf_feature_delay_checks', `define(`_cf_CONNCTL_NODELAY', `1')', `_cf_warn(`FEATURE(ratecontrol, nodelay) is meant for use with FEATURE(delay_checks)')')')
ifelse(_cf_lc(_ARG2_), `terminate', `define(`_cf_RateControl_TERM', `1')')
