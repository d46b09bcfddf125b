divert(-1)
dnl #
dnl # masquerade_entire_domain.m4 -- $=M also covers subdomains
dnl #
_cf_FILEID(`feature/masquerade_entire_domain.m4')
