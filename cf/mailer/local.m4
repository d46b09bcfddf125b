divert(-1)
dnl #
dnl # local.m4 -- the "local" mailer (mailboxes on this host) and "prog"
dnl # (|command recipients), with the rulesets their S= and R= name.
dnl #
dnl # Settings read here: LOCAL_MAILER_PATH, _FLAGS, _ARGS, _EOL, _MAX,
dnl # _MAXMSGS, _MAXRCPTS, _CHARSET, _QGRP, _DSN_DIAGNOSTIC_CODE;
dnl # LOCAL_SHELL_PATH, _FLAGS, _ARGS, _DIR; LOCAL_PROG_QGRP;
dnl # MODIFY_MAILER_FLAGS(`LOCAL') and (`SHELL').
dnl #
_cf_FILEID(`mailer/local.m4 (local, prog)')
_cf_default(`LOCAL_MAILER_PATH', `/bin/mail')
_cf_default(`LOCAL_MAILER_FLAGS', `Prmn9')
_cf_default(`LOCAL_MAILER_ARGS', `mail -d $u')
_cf_default(`LOCAL_MAILER_DSN_DIAGNOSTIC_CODE', `X-Unix')
_cf_default(`LOCAL_SHELL_PATH', `/bin/sh')
_cf_default(`LOCAL_SHELL_FLAGS', `eu9')
_cf_default(`LOCAL_SHELL_ARGS', `sh -c $u')
_cf_default(`LOCAL_SHELL_DIR', `$z:/')
_cf_default(`_cf_LOCAL_BASEFLAGS', `lsDFMAw5:/|@q')
define(`_cf_opt_field', `ifdef(`$1', `ifelse(defn(`$1'), `', `', ` $2=$1,')')')
define(`_cf_local_fields', `_cf_opt_field(`LOCAL_MAILER_EOL', `E')dnl
_cf_opt_field(`LOCAL_MAILER_MAX', `M')_cf_opt_field(`LOCAL_MAILER_MAXMSGS', `m')dnl
_cf_opt_field(`LOCAL_MAILER_MAXRCPTS', `r')_cf_opt_field(`LOCAL_MAILER_CHARSET', `C')')
ifdef(`_cf_LOCAL_IS_SMTP', `
define(`_cf_local_line', `Mlocal,		P=[IPC], F=_cf_mflags(`LOCAL', `lmDFMuXkw5'), S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,
		T=DNS/RFC822/SMTP,
		A=TCP $h')
define(`_cf_prog_line', `Mprog,		P=[IPC], F=_cf_mflags(`SHELL', `lmDFMuXk5'), S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/,
		T=X-Unix/X-Unix/X-Unix,
		A=TCP $h')
', `
define(`_cf_local_line', `Mlocal,		P=LOCAL_MAILER_PATH, F=_cf_mflags(`LOCAL', _cf_LOCAL_BASEFLAGS`'LOCAL_MAILER_FLAGS), S=ifdef(`_cf_LOCAL_LMTP', `EnvFromSMTP', `EnvFromL')/HdrFromL, R=EnvToL/HdrToL,`'_cf_local_fields
		T=DNS/RFC822/LOCAL_MAILER_DSN_DIAGNOSTIC_CODE,ifdef(`LOCAL_MAILER_QGRP', ` Q=LOCAL_MAILER_QGRP,')
		A=LOCAL_MAILER_ARGS')
define(`_cf_prog_line', `Mprog,		P=LOCAL_SHELL_PATH, F=_cf_mflags(`SHELL', `lsDFMoq'LOCAL_SHELL_FLAGS), S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=LOCAL_SHELL_DIR,
		_cf_field(`LOCAL_MAILER_MAX', `M')T=X-Unix/X-Unix/X-Unix,ifdef(`LOCAL_PROG_QGRP', ` Q=LOCAL_PROG_QGRP,')
		A=LOCAL_SHELL_ARGS')
')
divert(7)dnl

##################################################
###   local and prog: delivery on this host    ###
##################################################

dnl envelope sender towards local delivery
SEnvFromL
R<@>				$n
R@ <@ $*>			$n
R$+				$: $>AddDomain $1
ifdef(`_cf_feature_local_no_masquerade', `', `dnl
R$*				$: $>MasqEnv $1
')dnl

dnl envelope recipient: the user name alone
SEnvToL
R$+ < @ $* >			$: $1
ifdef(`confUSERDB_SPEC', `', `dnl
R$+ + $*			$: < $&{addr_type} > $1 + $2
R<e s> $+ + $*			$: $1				a sender keeps no +detail
R< $* > $+			$: $2
')dnl

SHdrFromL
R<@>				$n
R@ <@ $*>			$n
R$+				$: $>AddDomain $1
ifdef(`_cf_feature_local_no_masquerade', `', `dnl
R$*				$: $>MasqHdr $1
')dnl

SHdrToL
dnl # qualified (with FEATURE(always_add_domain)), then masqueraded only
dnl # with allmasquerade; otherwise a *LOCAL* host just becomes our name
ifelse(ifdef(`_cf_feature_allmasquerade', `ifdef(`_cf_feature_local_no_masquerade', `', `M')'), `M', `dnl
R$+				$: $>AddDomain $1
R$*				$: $>MasqHdr $1
', `dnl
R$+				$: $>HereDot $>AddDomain $1
')dnl

dnl qualify bare names only with FEATURE(always_add_domain)
SAddDomain
ifdef(`_cf_feature_always_add_domain', `dnl
R$* < @ $* > $*			$@ $1 < @ $2 > $3
R$+				$@ $1 < @ ifelse(_cf_ADD_DOMAIN, `', `*LOCAL*', `_cf_ADD_DOMAIN') >
')dnl

_cf_local_line
_cf_prog_line

divert(-1)
