divert(-1)
dnl #
dnl # delay_checks.m4 -- run relay and sender checks at RCPT time (args: friend|hater, no-compat)
dnl #
_cf_FILEID(`feature/delay_checks.m4')
define(`_cf_DELAY_MODE', ifelse(substr(_cf_lc(_ARG_), 0, 1), `f', `friend', substr(_cf_lc(_ARG_), 0, 1), `h', `hater', `'))
ifelse(_ARG_, `', `', _cf_DELAY_MODE, `',
	`_cf_warn(`FEATURE(delay_checks) argument "'_ARG_`" is neither friend nor hater; ignored')')
ifelse(_ARG2_, `', `define(`_cf_DELAY_COMPAT', `1')')
ifdef(`_cf_feature_blocklist_recipients', `define(`_cf_SPAMTAG', `1')')
