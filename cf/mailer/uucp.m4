divert(-1)
dnl #
dnl # uucp.m4 -- the UUCP mailers, all running uux:
dnl #   uucp, uucp-old   one recipient per run, bang-path addresses
dnl #   suucp, uucp-new  several recipients per run (flag m)
dnl #   uucp-dom         domain addresses over UUCP (only after MAILER(smtp))
dnl #   uucp-uudom       domain senders rewritten to bang paths (likewise)
dnl # and the rulesets their S=/R= name: FromU, EnvToU, HdrToU, EnvFromUD,
dnl # EnvFromUUD.  Parse1 gets rules for hosts in the SITECONFIG classes
dnl # U (uucp-old), Y (uucp-new) and Z (uucp-uudom).
dnl #
dnl # Settings: UUCP_MAILER_PATH, _ARGS, _FLAGS, _MAX (or UUCP_MAX_SIZE,
dnl # default 100000), _CHARSET, _QGRP; MODIFY_MAILER_FLAGS(`UUCP').
dnl #
_cf_FILEID(`mailer/uucp.m4')
_cf_default(`UUCP_MAILER_PATH', `/usr/bin/uux')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -a$g -gC $h!rmail ($u)')
_cf_default(`UUCP_MAILER_FLAGS', `')
_cf_default(`UUCP_MAILER_MAX', ifdef(`UUCP_MAX_SIZE', `UUCP_MAX_SIZE', `100000'))
ifdef(`_MAILER_smtp_', `',
	`_cf_warn(`MAILER(uucp) before MAILER(smtp): uucp-dom and uucp-uudom are left out; put MAILER(smtp) first to get them')')
define(`_cf_uucp_M', `M$1,		P=UUCP_MAILER_PATH, F=_cf_mflags(`UUCP', `$2'UUCP_MAILER_FLAGS), S=$3, R=$4,
		M=UUCP_MAILER_MAX, _cf_field(`UUCP_MAILER_CHARSET', `C')T=X-UUCP/X-UUCP/X-Unix,_cf_qgrp(`UUCP_MAILER_QGRP')
		A=UUCP_MAILER_ARGS')
PUSHDIVERT(4)dnl
dnl # a SITECONFIG neighbour's class picks the mailer: Z uudom, Y new, U old
R$* < @ $+ .UUCP. > $*		$: < $2 > $1 < @ $2 .UUCP. > $3
R< $=Z > $*			$#uucp-uudom $@ $1 $: $2
R< $=Y > $*			$#uucp-new $@ $1 $: $2
R< $=U > $*			$#uucp-old $@ $1 $: $2
R< $+ > $*			$: $2
POPDIVERT
divert(7)dnl

####################################
###   UUCP: uux to the next hop  ###
####################################

dnl # sender (envelope and header): <> is the bounce address; other
dnl # addresses become bang paths with our UUCP name ($U, else $k) in
dnl # front unless the path already starts at the next hop ($h)
SFromU
R<@>				$n
R:; <@>				$@
R$* < @ $* . > $*		$1 < @ $2 > $3
R$* < @ $=w >			$1
R<@ $- . UUCP > : $+		$1 ! $2
R<@ $+ > : $+			$1 ! $2
R$* < @ $- . UUCP >		$2 ! $1
R$* < @ $+ >			$2 ! $1
R$&h ! $+ ! $+			$@ $1 ! $2
R$&h ! $+			$@ $&h ! $1
R$+				$: $U ! $1
R! $+				$: $k ! $1
dnl # envelope recipient: a bang path relative to the next hop
SEnvToU
R:; <@>				$@
R$* < @ $* . > $*		$1 < @ $2 > $3
R$* < @ $=w >			$1
R<@ $- . UUCP > : $+		$1 ! $2
R<@ $+ > : $+			$1 ! $2
R$* < @ $- . UUCP >		$2 ! $1
R$* < @ $+ >			$2 ! $1
dnl # header recipients: as senders, for replies through this host
SHdrToU
R:; <@>				$@
R$* < @ $* . > $*		$1 < @ $2 > $3
R$* < @ $=w >			$1
R<@ $- . UUCP > : $+		$1 ! $2
R<@ $+ > : $+			$1 ! $2
R$* < @ $- . UUCP >		$2 ! $1
R$* < @ $+ >			$2 ! $1
R$&h ! $+ ! $+			$@ $1 ! $2
R$&h ! $+			$@ $&h ! $1
R$+				$: $U ! $1
R! $+				$: $k ! $1
ifdef(`_MAILER_smtp_', `dnl
dnl # uucp-dom keeps domain senders as SMTP writes them
SEnvFromUD
R$*				$@ $>EnvFromSMTP $>UucpNullFrom $1
dnl # <> becomes the bounce address ($n); anything else is left alone
SUucpNullFrom
R<@>				$@ $n
dnl # uucp-uudom: what uucp-dom sends, then made a bang path
SEnvFromUUD
R$*				$: $>EnvFromUD $1
R$* < @ $* . > $*		$1 < @ $2 > $3
R<@ $- . UUCP > : $+		$@ $1 ! $2
R<@ $+ > : $+			$@ $1 ! $2
R$* < @ $- . UUCP >		$@ $2 ! $1
R$* < @ $+ >			$@ $2 ! $1
')dnl

_cf_uucp_M(`uucp', `DFMhuUd', `FromU', `EnvToU/HdrToU')
_cf_uucp_M(`uucp-old', `DFMhuUd', `FromU', `EnvToU/HdrToU')
_cf_uucp_M(`suucp', `mDFMhuUd', `FromU', `EnvToU/HdrToU')
_cf_uucp_M(`uucp-new', `mDFMhuUd', `FromU', `EnvToU/HdrToU')
ifdef(`_MAILER_smtp_', `dnl
_cf_uucp_M(`uucp-dom', `mDFMhud', `EnvFromUD/HdrFromSMTP', ifdef(`_cf_feature_allmasquerade', `EnvToSMTP/HdrFromSMTP', `EnvToSMTP'))
_cf_uucp_M(`uucp-uudom', `mDFMhud', `EnvFromUUD/HdrFromSMTP', ifdef(`_cf_feature_allmasquerade', `EnvToSMTP/HdrFromSMTP', `EnvToSMTP'))
')dnl

divert(-1)
