divert(-1)
dnl #
dnl # xagent.m4 -- the "xagent" mailer (a Debian extra): hands mail to an
dnl # external agent program.  S=11/31 and R=21/31 are numbered rulesets
dnl # the site supplies.
dnl #
dnl # Settings: XAGENT_MAILER_PATH, _FLAGS, _ARGS, _MAX.
dnl #
_cf_FILEID(`mailer/xagent.m4')
_cf_default(`XAGENT_MAILER_PATH', `/usr/lib/xagent')
_cf_default(`XAGENT_MAILER_FLAGS', `DFMueXLn')
_cf_default(`XAGENT_MAILER_ARGS', `xagent $h $u')
divert(7)dnl

Mxagent,	P=XAGENT_MAILER_PATH, F=XAGENT_MAILER_FLAGS, S=11/31, R=21/31,
		_cf_field(`XAGENT_MAILER_MAX', `M')T=DNS/RFC822/X-Unix,
		A=XAGENT_MAILER_ARGS, E=\n

divert(-1)
