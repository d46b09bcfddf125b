divert(-1)
dnl #
dnl # bsd4.3.m4 -- OSTYPE(bsd4.3): 4.3BSD.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/bsd4.3.m4')
_cf_default(`QUEUE_DIR', `/usr/spool/mqueue')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
