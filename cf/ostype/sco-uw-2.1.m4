divert(-1)
dnl #
dnl # sco-uw-2.1.m4 -- OSTYPE(sco-uw-2.1): SCO UnixWare 2.1.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/sco-uw-2.1.m4')
define(`LOCAL_MAILER_PATH', `/usr/bin/rmail')
_cf_default(`LOCAL_MAILER_FLAGS', `fhCEn9')
define(`LOCAL_SHELL_FLAGS', `ehuP')
define(`UUCP_MAILER_ARGS', `uux - -r -a$g -gmedium $h!rmail ($u)')
define(`LOCAL_MAILER_ARGS', `rmail $u')
define(`confEBINDIR', `/usr/lib')
define(`confTIME_ZONE', `USE_TZ')
