divert(-1)
dnl #
dnl # loose_relay_check.m4 -- do not strip %-hack parts before the relay test
dnl #
_cf_FILEID(`feature/loose_relay_check.m4')
