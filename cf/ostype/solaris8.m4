divert(-1)
dnl #
dnl # solaris8.m4 -- OSTYPE(solaris8): Sun Solaris 8 to 10.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/solaris8.m4')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g $h!rmail ($u)')
define(`confEBINDIR', `/usr/lib')
define(`confPID_FILE', `/var/run/sendmail.pid')
define(`_NETINET6_')
FEATURE(`local_lmtp')
