divert(-1)
dnl #
dnl # local_no_masquerade.m4 -- local mailer rulesets do not masquerade
dnl #
_cf_FILEID(`feature/local_no_masquerade.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(local_no_masquerade) must come before MAILER(local)')')
