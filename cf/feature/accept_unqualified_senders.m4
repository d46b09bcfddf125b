divert(-1)
dnl #
dnl # accept_unqualified_senders.m4 -- accept MAIL FROM:<user> without a domain from remote clients
dnl #
_cf_FILEID(`feature/accept_unqualified_senders.m4')
