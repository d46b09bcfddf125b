divert(-1)
dnl #
dnl # smrsh.m4 -- run |program recipients through smrsh (path)
dnl #
_cf_FILEID(`feature/smrsh.m4')
ifdef(`_MAILER_local_', `_cf_warn(`FEATURE(smrsh) must come before MAILER(local)')')
define(`LOCAL_SHELL_PATH', ifelse(_ARG_, `', `confEBINDIR/smrsh', `_ARG_'))
_cf_default(`LOCAL_SHELL_ARGS', `smrsh -c $u')
