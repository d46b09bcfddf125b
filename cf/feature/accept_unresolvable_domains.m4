divert(-1)
dnl #
dnl # accept_unresolvable_domains.m4 -- accept senders whose domain does not resolve
dnl #
_cf_FILEID(`feature/accept_unresolvable_domains.m4')
