divert(-1)
dnl #
dnl # notsticky.m4 -- no effect (kept so old .mc files still compile)
dnl #
_cf_FILEID(`feature/notsticky.m4')
