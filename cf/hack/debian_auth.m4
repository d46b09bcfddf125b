divert(-1)
dnl #
dnl # debian_auth.m4 -- (Debian) SMTP AUTH helpers: client credentials in
dnl # /etc/mail/default-auth-info, "sendmail" added to the trusted users,
dnl # and a Local_trust_auth that lets trusted users ($=t) name any author
dnl # in MAIL FROM AUTH=.  DEBIAN_DEBUG logs the AUTH macros.
dnl #
_cf_FILEID(`hack/debian_auth.m4')
define(`confDEF_AUTH_INFO', `_cf_dir(`default-auth-info')')
dnl # "sendmail" joins the trusted users the .mc named, if any
define(`confTRUSTED_USERS', ifdef(`confTRUSTED_USERS', `confTRUSTED_USERS`,'')`sendmail')
PUSHDIVERT(9)dnl
SLocal_trust_auth
R$*				$: $&{auth_authen}
ifdef(`DEBIAN_DEBUG', `dnl
dnl # log the AUTH macros (the log map answers nothing)
R$*				$: $(log authtype:$&{auth_type} $)$(log authauthen:$&{auth_authen} $)$(log authauthor:$&{auth_author} $) $1
')dnl
R$=t				$# ok
POPDIVERT
