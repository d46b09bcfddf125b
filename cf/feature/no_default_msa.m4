divert(-1)
dnl #
dnl # no_default_msa.m4 -- no default DaemonPortOptions line for port 587
dnl #
_cf_FILEID(`feature/no_default_msa.m4')
