divert(-1)
dnl #
dnl # lookupdotdomain.m4 -- access lookups also try .domain
dnl #
_cf_FILEID(`feature/lookupdotdomain.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(lookupdotdomain) needs FEATURE(access_db) before it')')
