divert(-1)
dnl #
dnl # linux.m4 -- Linux: helpers in /usr/sbin, local delivery through procmail.
dnl #
_cf_FILEID(`ostype/linux.m4')
define(`confEBINDIR', `/usr/sbin')
_cf_default(`PROCMAIL_MAILER_PATH', `/usr/bin/procmail')
FEATURE(`local_procmail')
