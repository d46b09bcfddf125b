divert(-1)
dnl #
dnl # setup.m4 -- everything a .mc file may call, and the package defaults.
dnl #
dnl # Read once by cf.m4.  Macros here only record what the .mc asks for
dnl # (marker macros, text collected in numbered diversions); the cf itself
dnl # is written at the end of input by proto.m4, which m4wrap schedules.
dnl #
dnl # Diversions (fixed: .mc files and hacks name them directly):
dnl #   -1 discard      0 head of the cf         1 LOCAL_NET_CONFIG rules
dnl #    2 LOCAL_RULE_3 3 LOCAL_RULE_0 rules     4 LOCAL_UUCP rules
dnl #    5 class lines  6 LOCAL_CONFIG lines     7 mailer definitions
dnl #    8 LOCAL_DNSBL  9 LOCAL_RULESETS and rulesets added by features
dnl #

dnl # m4 comments off: "#" lines of a .mc are copied into the cf
changecom()
undefine(`format')
undefine(`hpux')
dnl # the package keeps stacks with pushdef; an m4 without it stops here
ifdef(`pushdef', `', `errprint(`*** ERROR: this m4 lacks pushdef; use GNU m4
')include(`m4-without-pushdef')')

dnl # --- small tools -------------------------------------------------------

define(`PUSHDIVERT', `pushdef(`_cf_DSTACK', divnum)divert($1)')
define(`POPDIVERT', `divert(_cf_DSTACK)popdef(`_cf_DSTACK')')
define(`_cf_warn', `errprint(`*** WARNING: $1
')')
define(`_cf_error', `errprint(`*** ERROR: $1
')')
define(`_cf_note', `errprint(`NOTE: $1
')')
dnl # _cf_default(name, value): a package default; the .mc's own value wins
define(`_cf_default', `ifdef(`$1', `', `define(`$1', `$2')')')
dnl # _cf_field(NAME, letter): the "letter=value, " M-line field when NAME is set
define(`_cf_field', `ifdef(`$1', `$2=$1, ')')
dnl # _cf_lc(text): text in lower case (GNU m4 ranges)
define(`_cf_lc', `translit(`$1', `A-Z', `a-z')')
dnl # _cf_join(a, ..., g): up to seven pieces run together
define(`_cf_join', `$1$2$3$4$5$6$7')
dnl # _cf_dollar(x): "$x" in a rule written from inside a macro body
define(`_cf_dollar', `$'`$1')
dnl # names site files written for sendmail-cf call; same effects as ours
define(`_DEFIFNOT', defn(`_cf_default'))
define(`CONCAT', defn(`_cf_join'))
define(`DOL', defn(`_cf_dollar'))
define(`lower', defn(`_cf_lc'))
define(`strcasecmp', `ifelse(_cf_lc(`$1'), _cf_lc(`$2'), `1', `0')')
define(`_OPTINS', `ifdef(`$1', `$2`'$1`'$3')')
dnl # _cf_qgrp(NAME_QGRP): the " Q=group," field of an M line when set
define(`_cf_qgrp', `ifelse(defn(`$1'), `', `', ` Q=$1,')')
define(`CF_LEVEL', `10')
define(`VERSIONID', ``#####  $1  #####'
')
dnl # a package file names itself in the head of the cf
define(`_cf_FILEID', `PUSHDIVERT(0)VERSIONID(`$1')POPDIVERT')

dnl # mailer flag editing: MODIFY_MAILER_FLAGS(`LOCAL', `+S') before MAILER()
define(`MODIFY_MAILER_FLAGS', `define(`_cf_MODMF_$1', `$2')')
define(`_cf_flagedit', `ifelse(
	substr(`$2', 0, 1), `+', `$1`'translit(substr(`$2', 1), `$1')',
	substr(`$2', 0, 1), `-', `translit(`$1', substr(`$2', 1))',
	`$2')')
dnl # _cf_mflags(NAME, default flags): the flags after any MODIFY_MAILER_FLAGS
define(`_cf_mflags', `ifdef(`_cf_MODMF_$1',
	`_cf_flagedit(`$2', defn(`_cf_MODMF_$1'))', `$2')')
dnl # sendmail-cf compatible spellings used by some site files
define(`_ADDCHAR_', `$1`'translit(`$2', `$1')')
define(`_DELCHAR_', `translit(`$1', `$2')')

dnl # --- reading the package's files ---------------------------------------

define(`_cf_setargs', `pushdef(`_ARG_', `$1')pushdef(`_ARG1_', `$1')dnl
pushdef(`_ARG2_', `$2')pushdef(`_ARG3_', `$3')pushdef(`_ARG4_', `$4')dnl
pushdef(`_ARG5_', `$5')pushdef(`_ARG6_', `$6')pushdef(`_ARG7_', `$7')dnl
pushdef(`_ARG8_', `$8')pushdef(`_ARG9_', `$9')pushdef(`_ARGS_', `$@')')
define(`_cf_dropargs', `popdef(`_ARG_')popdef(`_ARG1_')popdef(`_ARG2_')dnl
popdef(`_ARG3_')popdef(`_ARG4_')popdef(`_ARG5_')popdef(`_ARG6_')dnl
popdef(`_ARG7_')popdef(`_ARG8_')popdef(`_ARG9_')popdef(`_ARGS_')')
define(`_cf_read', `PUSHDIVERT(-1)_cf_setargs(shift(shift($@)))dnl
include(_CF_DIR_`$1/$2.m4')_cf_dropargs`'POPDIVERT`'')

define(`OSTYPE', `define(`__OSTYPE__', `$1')_cf_read(`ostype', $@)')
define(`DOMAIN', `_cf_read(`domain', $@)')
define(`HACK', `_cf_read(`hack', $@)')
define(`FEATURE', `ifdef(`_MAILER_DEFINED_',
	`_cf_warn(`FEATURE($1) comes after a MAILER(); move it above the first MAILER() or it may not take effect')')dnl
define(`_cf_feature_$1', `')_cf_read(`feature', $@)')
define(`MAILER', `ifdef(`_MAILER_$1_',
	`_cf_warn(`MAILER($1) appears twice; ignoring the second one')',
	`define(`_MAILER_$1_', `')define(`_MAILER_DEFINED_', `')dnl
define(`_cf_MAILERS', defn(`_cf_MAILERS')`$1 ')dnl
_cf_read(`mailer', $@)')')
define(`_cf_MAILERS', `')
define(`SITECONFIG', `PUSHDIVERT(0)D$3$2
ifelse(`$3', `U', `C{w}$2 $2.UUCP
')POPDIVERT`'define(`_CLASS_$3_', `')dnl
PUSHDIVERT(-1)sinclude(_CF_DIR_`siteconfig/$1.m4')POPDIVERT`'')
define(`SITE', `ifelse(_cf_join(`$1', `$2', `$3'), `', `',
	`PUSHDIVERT(5)C`'ifdef(`_cf_SITE_CLASS', `_cf_SITE_CLASS', `U')$1 $2 $3
POPDIVERT`'')')

# --- where raw text goes -----------------------------------------------

dnl # our names for the fixed diversion numbers listed at the top
define(`_cf_D_NETRULES', `1')define(`_cf_D_RULE3', `2')define(`_cf_D_RULE0', `3')
define(`_cf_D_UUCP', `4')define(`_cf_D_LOCALCF', `6')define(`_cf_D_MAILERS', `7')
define(`_cf_D_DNSBL', `8')define(`_cf_D_RULESETS', `9')
define(`LOCAL_CONFIG', `divert(_cf_D_LOCALCF)')
define(`MAILER_DEFINITIONS', `divert(_cf_D_MAILERS)')
define(`LOCAL_RULE_0', `divert(_cf_D_RULE0)')
define(`LOCAL_RULE_1', `divert(_cf_D_RULESETS)dnl
Ssender=1
')
define(`LOCAL_RULE_2', `divert(_cf_D_RULESETS)dnl
Srecipient=2
')
define(`LOCAL_RULE_3', `divert(_cf_D_RULE3)')
define(`LOCAL_RULESETS', `divert(_cf_D_RULESETS)')
define(`LOCAL_NET_CONFIG', `define(`_LOCAL_RULES_', `1')divert(_cf_D_NETRULES)')
define(`LOCAL_DNSBL', `divert(_cf_D_DNSBL)')
define(`LOCAL_UUCP', `divert(_cf_D_UUCP)')
define(`_cf_localhook', `ifdef(`_MAILER_DEFINED_', `',
	`_cf_warn(`$1 should come after the MAILER() lines')')dnl
define(`_cf_LOCAL_$2', `')divert(9)dnl
SLocal_$2
')
dnl # _cf_hook(`Local_name'[, `input']): rules that show the workspace (or
dnl # the given input) to an admin's ruleset; a "$#" answer from it is the
dnl # decision, anything else leaves the workspace as it was.  The answer is
dnl # kept behind "$| <hook>" so a workspace holding "$|" itself is safe.
define(`_cf_hook', `dnl
R$`'*				$: $`'1 $`'| <hook> $>"$1" ifelse(`$2', `', `$`'1', `$2')
R$`'* $`'| <hook> $`'#$`'*		$`'#$`'2
R$`'* $`'| <hook> $`'*		$: $`'1
')
define(`LOCAL_SRV_FEATURES', `_cf_localhook(`LOCAL_SRV_FEATURES', `srv_features')')
define(`LOCAL_CLT_FEATURES', `_cf_localhook(`LOCAL_CLT_FEATURES', `clt_features')')
define(`LOCAL_TRY_TLS', `_cf_localhook(`LOCAL_TRY_TLS', `try_tls')')
define(`LOCAL_TLS_RCPT', `_cf_localhook(`LOCAL_TLS_RCPT', `tls_rcpt')')
define(`LOCAL_TLS_CLIENT', `_cf_localhook(`LOCAL_TLS_CLIENT', `tls_client')')
define(`LOCAL_TLS_SERVER', `_cf_localhook(`LOCAL_TLS_SERVER', `tls_server')')
define(`LOCAL_STS_SAN', `_cf_localhook(`LOCAL_STS_SAN', `sts_san')')

# --- classes ------------------------------------------------------------

define(`_cf_cl', `PUSHDIVERT(5)$1
POPDIVERT`'')
define(`EXPOSED_USER', `_cf_cl(`C{E}$1')')
define(`EXPOSED_USER_FILE', `_cf_cl(`F{E}$1')')
define(`LOCAL_USER', `_cf_cl(`C{L}$1')')
define(`LOCAL_USER_FILE', `_cf_cl(`F{L}$1')')
define(`MASQUERADE_DOMAIN', `_cf_cl(`C{M}$1')')
define(`MASQUERADE_DOMAIN_FILE', `_cf_cl(`F{M}$1')')
define(`MASQUERADE_EXCEPTION', `_cf_cl(`C{N}$1')')
define(`MASQUERADE_EXCEPTION_FILE', `_cf_cl(`F{N}$1')')
define(`LOCAL_DOMAIN', `_cf_cl(`C{w}$1')')
define(`RELAY_DOMAIN', `_cf_cl(`C{R}$1')')
define(`RELAY_DOMAIN_FILE', `_cf_cl(`F{R}$1')')
define(`CANONIFY_DOMAIN', `_cf_cl(`C{Canonify}$1')')
define(`CANONIFY_DOMAIN_FILE', `_cf_cl(`F{Canonify}$1')')
define(`GENERICS_DOMAIN', `_cf_cl(`C{G}$1')')
define(`GENERICS_DOMAIN_FILE', `_cf_cl(`F{G}$1')')
define(`VIRTUSER_DOMAIN', `define(`_cf_VIRTHOSTS', `')_cf_cl(`C{VirtHost}$1')')
define(`VIRTUSER_DOMAIN_FILE', `define(`_cf_VIRTHOSTS', `')_cf_cl(`F{VirtHost}$1')')
define(`LDAPROUTE_DOMAIN', `_cf_cl(`C{LDAPRoute}$1')')
define(`LDAPROUTE_DOMAIN_FILE', `_cf_cl(`F{LDAPRoute}$1')')
define(`LDAPROUTE_EQUIVALENT', `_cf_cl(`C{LDAPRouteEquiv}$1')')
define(`LDAPROUTE_EQUIVALENT_FILE', `_cf_cl(`F{LDAPRouteEquiv}$1')')
define(`TRUST_AUTH_MECH', `define(`_USE_AUTH_', `1')_cf_cl(C{TrustAuthMech}$1)')
define(`MASQUERADE_AS', `define(`MASQUERADE_NAME', `$1')')
define(`UUCPSMTP', `R _cf_dollar(*) < @ $1 .UUCP > _cf_dollar(*)	_cf_dollar(:) _cf_dollar(1) < @ $2 > _cf_dollar(2)
R $1 ! _cf_dollar(+)		_cf_dollar(:) _cf_dollar(1) < @ $2 >')

# --- daemons, clients, filters, queue groups ---------------------------

define(`_cf_DAEMONS', `')
define(`_cf_CLIENTS', `')
define(`_cf_FILTERS', `')
define(`_cf_QGROUPS', `')
define(`DAEMON_OPTIONS', `define(`_cf_DAEMONS', defn(`_cf_DAEMONS')`O DaemonPortOptions=$1
')')
define(`CLIENT_OPTIONS', `define(`_cf_CLIENTS', defn(`_cf_CLIENTS')`O ClientPortOptions=$1
')')
define(`MAIL_FILTER', `define(`_cf_FILTERS', defn(`_cf_FILTERS')`X$1, $2
')')
define(`INPUT_MAIL_FILTER', `MAIL_FILTER(`$1', `$2')dnl
ifdef(`confINPUT_MAIL_FILTERS',
	`define(`confINPUT_MAIL_FILTERS', defn(`confINPUT_MAIL_FILTERS')`, $1')',
	`define(`confINPUT_MAIL_FILTERS', `$1')')')
define(`QUEUE_GROUP', `define(`_cf_QGROUPS', defn(`_cf_QGROUPS')`Q$1, $2
')')

# --- defaults (a .mc may override any of them) ------------------------

_cf_default(`MAIL_SETTINGS_DIR', `/etc/mail/')
define(`_cf_dir', `MAIL_SETTINGS_DIR`'$1')
_cf_default(`DATABASE_MAP_TYPE', `hash')
# the default map definition of a table feature: _cf_mapdef(file)
define(`_cf_mapdef', `DATABASE_MAP_TYPE _cf_dir(`$1')')
define(`ALIAS_FILE', `_cf_dir(`aliases')')
define(`HELP_FILE', `_cf_dir(`helpfile')')
define(`confCW_FILE', `_cf_dir(`local-host-names')')
define(`confCT_FILE', `_cf_dir(`trusted-users')')
define(`confCR_FILE', `-o _cf_dir(`relay-domains')')
define(`confMAILER_NAME', ``MAILER-DAEMON'')
define(`confFROM_HEADER', `$?x$x <$g>$|$g$.')
define(`confMESSAGEID_HEADER', `<$t.$i@$j>')
define(`confSMTP_MAILER', `esmtp')
define(`confLOCAL_MAILER', `local')
define(`confUUCP_MAILER', `uucp-old')
define(`confEBINDIR', `/usr/libexec')
define(`confTIME_ZONE', `USE_SYSTEM')
define(`confSEVEN_BIT_INPUT', `False')
define(`confALIAS_WAIT', `10')
define(`confMIN_FREE_BLOCKS', `100')
define(`confBLANK_SUB', `.')
define(`confCON_EXPENSIVE', `False')
define(`confDELIVERY_MODE', `background')
define(`confTEMP_FILE_MODE', `0600')
define(`confMIME_FORMAT_ERRORS', `True')
define(`confFORWARD_PATH', `$z/.forward.$w:$z/.forward')
define(`confMCI_CACHE_SIZE', `2')
define(`confMCI_CACHE_TIMEOUT', `5m')
define(`confUSE_ERRORS_TO', `False')
define(`confLOG_LEVEL', `9')
define(`confCHECK_ALIASES', `False')
define(`confOLD_STYLE_HEADERS', `True')
define(`confPRIVACY_FLAGS', `authwarnings')
define(`confTO_QUEUERETURN', `5d')
define(`confTO_QUEUEWARN', `4h')
define(`confSAFE_QUEUE', `True')
define(`confSMTP_LOGIN_MSG', `$j Sendmail $v/$Z; $b')
define(`confFROM_LINE', `From $g $d')
define(`confOPERATORS', `.:%@!^/[]+')

# the whole cf is written when input ends
define(`_cf_write_cf', `include(_CF_DIR_`m4/proto.m4')')
m4wrap(`_cf_write_cf')
divert(-1)
dnl # _cf_ldapmap(name[, extra flags]): the map definition FEATURE(x, `LDAP') uses
define(`_cf_ldapmap', `ldap $2-1 -v sendmailMTAMapValue,sendmailMTAMapSearch:FILTER:sendmailMTAMapObject,sendmailMTAMapURL:URL:sendmailMTAMapObject -k (&(objectClass=sendmailMTAMapObject)(|(sendmailMTACluster=${sendmailMTACluster})(sendmailMTAHost=$j))(sendmailMTAMapName=$1)(sendmailMTAKey=%0))')

dnl # --- head of the cf ----------------------------------------------------
PUSHDIVERT(0)dnl
##############################################################################
###  sendmail.cf written by the cf/ m4 package from a .mc file.           ###
###  Change the .mc and run m4 again; edits here are lost on rebuild.     ###
##############################################################################
ifdef(`_NO_MAKEINFO_', `', `esyscmd(`sh '_CF_DIR_`sh/makeinfo.sh '_CF_DIR_)')dnl
POPDIVERT
