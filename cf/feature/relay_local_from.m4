divert(-1)
dnl #
dnl # relay_local_from.m4 -- relay when the envelope sender is in $=w.
dnl #
_cf_FILEID(`feature/relay_local_from.m4')
_cf_warn(`FEATURE(relay_local_from) lets anyone relay by forging a local sender address')
