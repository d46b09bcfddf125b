divert(-1)
dnl #
dnl # blacklist_recipients.m4 -- old name of blocklist_recipients
dnl #
_cf_FILEID(`feature/blacklist_recipients.m4')
_cf_warn(`FEATURE(blacklist_recipients) is the old name; write FEATURE(blocklist_recipients)')
FEATURE(`blocklist_recipients')
