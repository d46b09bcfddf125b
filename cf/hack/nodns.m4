divert(-1)
dnl #
dnl # nodns.m4 -- (Debian) a host without DNS: no resolver options, the
dnl # service.switch-nodns switch file, no interface probing, nocanonify.
dnl #
_cf_FILEID(`hack/nodns.m4')
undefine(`confBIND_OPTS')
define(`confSERVICE_SWITCH_FILE', `/etc/mail/service.switch-nodns')
define(`confDONT_PROBE_INTERFACES', `True')
FEATURE(`nocanonify')
