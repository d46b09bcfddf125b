divert(-1)
dnl #
dnl # relay_hosts_only.m4 -- relay entries name exact hosts, not domains
dnl #
_cf_FILEID(`feature/relay_hosts_only.m4')
