divert(-1)
dnl #
dnl # allmasquerade.m4 -- masquerade header recipients too
dnl #
_cf_FILEID(`feature/allmasquerade.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(allmasquerade) must come before MAILER(local)')')
