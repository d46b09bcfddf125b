divert(-1)
dnl #
dnl # always_add_domain.m4 -- local mailer qualifies bare names (with $j or the argument)
dnl #
_cf_FILEID(`feature/always_add_domain.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(always_add_domain) must come before MAILER(local)')')
define(`_cf_ADD_DOMAIN', _ARG_)
