divert(-1)
dnl #
dnl # dgux.m4 -- OSTYPE(dgux): Data General DG/UX.  Its mail program only
dnl # delivers when _FORCE_MAIL_LOCAL_ is set in its environment, so the cf
dnl # gets an E line for it.
dnl #
_cf_FILEID(`ostype/dgux.m4')
_cf_default(`LOCAL_MAILER_FLAGS', `m9')
define(`confTIME_ZONE', `USE_TZ')
define(`confEBINDIR', `/usr/lib')
PUSHDIVERT(6)dnl
E_FORCE_MAIL_LOCAL_=yes
POPDIVERT
