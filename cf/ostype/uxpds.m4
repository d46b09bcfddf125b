divert(-1)
dnl #
dnl # uxpds.m4 -- OSTYPE(uxpds): Fujitsu UXP/DS.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/uxpds.m4')
define(`confDEF_GROUP_ID', `6')
define(`LOCAL_MAILER_PATH', `/usr/ucblib/binmail')
define(`LOCAL_SHELL_FLAGS', `ehuP')
define(`UUCP_MAILER_ARGS', `uux - -r -a$f -gmedium $h!rmail ($u)')
define(`confEBINDIR', `/usr/ucblib')
