divert(-1)
dnl #
dnl # virtuser_entire_domain.m4 -- virtusertable applies to subdomains of $={VirtHost} too
dnl #
_cf_FILEID(`feature/virtuser_entire_domain.m4')
