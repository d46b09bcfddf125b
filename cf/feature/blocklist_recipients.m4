divert(-1)
dnl #
dnl # blocklist_recipients.m4 -- refuse recipients the access map lists with To: ... REJECT
dnl #
_cf_FILEID(`feature/blocklist_recipients.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(blocklist_recipients) needs FEATURE(access_db) before it')')
ifdef(`_cf_feature_delay_checks', `ifelse(_cf_DELAY_COMPAT, `1', `define(`_cf_SPAMTAG', `1')')')
