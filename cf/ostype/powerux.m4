divert(-1)
dnl #
dnl # powerux.m4 -- OSTYPE(powerux): Concurrent PowerUX.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/powerux.m4')
define(`LOCAL_MAILER_PATH', `/usr/bin/rmail')
_cf_default(`LOCAL_MAILER_FLAGS', `mn9')
define(`LOCAL_MAILER_ARGS', `rmail $u')
define(`LOCAL_SHELL_FLAGS', `ehuP')
define(`UUCP_MAILER_ARGS', `uux - -r -a$g -gmedium $h!rmail ($u)')
define(`confEBINDIR', `/usr/local/lib')
