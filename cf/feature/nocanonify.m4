divert(-1)
dnl #
dnl # nocanonify.m4 -- no host name lookups in canonify (arg: canonify_hosts)
dnl #
_cf_FILEID(`feature/nocanonify.m4')
define(`_cf_NOCANON_ARG', _ARG_)
