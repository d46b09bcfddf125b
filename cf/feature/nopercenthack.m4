divert(-1)
dnl #
dnl # nopercenthack.m4 -- no user%host handling (arg: reject or nospecial)
dnl #
_cf_FILEID(`feature/nopercenthack.m4')
ifelse(_ARG_, `', `_cf_error(`FEATURE(nopercenthack) needs an argument: reject or nospecial')')
define(`_cf_NOPERCENT_ARG', _ARG_)
