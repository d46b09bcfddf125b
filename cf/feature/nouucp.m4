divert(-1)
dnl #
dnl # nouucp.m4 -- no UUCP (!) address handling (arg: reject or nospecial)
dnl #
_cf_FILEID(`feature/nouucp.m4')
ifelse(_ARG_, `', `_cf_error(`FEATURE(nouucp) needs an argument: reject or nospecial')')
define(`_cf_NOUUCP_ARG', _ARG_)
