divert(-1)
dnl #
dnl # mklinux.m4 -- OSTYPE(mklinux): MkLinux on the Mach microkernel; like
dnl # linux, local delivery goes through procmail, and the status file is
dnl # kept under /var/log.
dnl #
_cf_FILEID(`ostype/mklinux.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
_cf_default(`PROCMAIL_MAILER_PATH', `/usr/bin/procmail')
FEATURE(`local_procmail')
