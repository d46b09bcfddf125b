divert(-1)
dnl #
dnl # use_client_ptr.m4 -- check_relay looks at the client PTR name first
dnl #
_cf_FILEID(`feature/use_client_ptr.m4')
