divert(-1)
dnl #
dnl # relay_mail_from.m4 -- relay when access has From:<sender> RELAY.
dnl #
_cf_FILEID(`feature/relay_mail_from.m4')
_cf_warn(`FEATURE(relay_mail_from) lets anyone relay by forging a listed sender address')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(relay_mail_from) needs FEATURE(access_db) first')')
ifelse(_ARG_, `domain', `define(`_cf_RELAY_MAIL_FROM_DOMAIN', `1')')
