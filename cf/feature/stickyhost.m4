divert(-1)
dnl #
dnl # stickyhost.m4 -- user@ourhost is not sent to LOCAL_RELAY/MAIL_HUB
dnl #
_cf_FILEID(`feature/stickyhost.m4')
