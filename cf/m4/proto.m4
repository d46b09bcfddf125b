divert(-1)
dnl #
dnl # proto.m4 -- writes the cf once the whole .mc has been read (m4wrap).
dnl #
dnl # Order of the output: head, local macros and classes, feature maps
dnl # (LOCAL_CONFIG), version, options, queue groups, precedences, trusted
dnl # users, headers, rulesets, mail filters, mailer definitions.
dnl #

dnl # _cf_macro_line(name, m4 var, example): "D<name><value>" when the .mc
dnl # set the variable, else the line commented out with an example value
define(`_cf_macro_line', `ifdef(`$2', `D$1`'$2', `#D$1`'$3')')
dnl # _cf_val(var): the variable's value, nothing when it is unset
define(`_cf_val', `ifdef(`$1', `$1')')

dnl # --- settle what the .mc left open -------------------------------------

ifdef(`__OSTYPE__', `',
	`_cf_error(`no OSTYPE() given: add one (for example OSTYPE(linux)) near the top of the .mc')')
ifdef(`_MAILER_local_', `', `MAILER(`local')')
ifdef(`_MAILER_smtp_', `define(`_cf_HAVE_SMTP', `1')')
dnl # without MAILER(smtp) sendmail-cf 8.17 leaves the relay mailer at
dnl # "unknown" even when MAILER(uucp) is there (its test for uucp names a
dnl # macro that is never defined); the cfs it writes route that way, so
dnl # ours do too
ifdef(`confRELAY_MAILER', `',
	`ifdef(`_MAILER_smtp_', `define(`confRELAY_MAILER', `relay')',
	`define(`confRELAY_MAILER', `unknown')')')
define(`_cf_LOCAL_MAILER', `confLOCAL_MAILER')
define(`_cf_SMTP_MAILER', `confSMTP_MAILER')
define(`_cf_UUCP_MAILER', `confUUCP_MAILER')
define(`_cf_RELAY_MAILER', `confRELAY_MAILER')
ifelse(substr(confDELIVERY_MODE, 0, 1), `d',
	`_cf_warn(`confDELIVERY_MODE starts with "d" (deferred): the anti-spam rulesets do nothing in that mode')')
dnl # settings older packages knew: say what replaced each one
define(`_cf_gone', `ifdef(`$1', `_cf_warn(`$1 $2')')')
ifdef(`_cf_LDAPR_DEFAULTMAP', `ifdef(`confLDAP_DEFAULT_SPEC', `',
	`_cf_warn(`FEATURE(ldap_routing) uses its default LDAP maps but confLDAP_DEFAULT_SPEC is not set (no LDAP server or base to ask)')')')
_cf_gone(`confAUTO_REBUILD', `no longer exists; run newaliases yourself')
_cf_gone(`confUNSAFE_GROUP_WRITES', `is deprecated; use confDONT_BLAME_SENDMAIL')
_cf_gone(`confDEF_GROUP_ID', `is obsolete; put the group into confDEF_USER_ID (user:group)')
_cf_gone(`confREAD_TIMEOUT', `is obsolete; use the confTO_* timeouts')
ifdef(`confMESSAGE_TIMEOUT', `define(`confTO_QUEUERETURN',
	ifelse(index(confMESSAGE_TIMEOUT, `/'), -1, `confMESSAGE_TIMEOUT',
		`substr(confMESSAGE_TIMEOUT, 0, index(confMESSAGE_TIMEOUT, `/'))'))dnl
ifelse(index(confMESSAGE_TIMEOUT, `/'), -1, `',
	`define(`confTO_QUEUEWARN', substr(confMESSAGE_TIMEOUT, eval(index(confMESSAGE_TIMEOUT, `/') + 1)))')')
ifdef(`confMIN_FREE_BLOCKS', `ifelse(index(confMIN_FREE_BLOCKS, `/'), -1, `',
	`_cf_warn(`confMIN_FREE_BLOCKS takes one number now; the part after "/" belongs in confMAX_MESSAGE_SIZE')dnl
define(`confMIN_FREE_BLOCKS', substr(confMIN_FREE_BLOCKS, 0, index(confMIN_FREE_BLOCKS, `/')))')')
ifdef(`confDAEMON_OPTIONS',
	`_cf_warn(`confDAEMON_OPTIONS is obsolete; use DAEMON_OPTIONS()')DAEMON_OPTIONS(confDAEMON_OPTIONS)')
ifdef(`confCLIENT_OPTIONS',
	`_cf_warn(`confCLIENT_OPTIONS is obsolete; use CLIENT_OPTIONS()')CLIENT_OPTIONS(confCLIENT_OPTIONS)')
ifelse(defn(`_cf_FILTERS'), `', `', `dnl
_cf_default(`confMILTER_MACROS_CONNECT', ``j, _, {daemon_name}, {if_name}, {if_addr}'')dnl
_cf_default(`confMILTER_MACROS_HELO', ``{tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}'')dnl
_cf_default(`confMILTER_MACROS_ENVFROM', ``i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}'')dnl
_cf_default(`confMILTER_MACROS_ENVRCPT', ``{rcpt_mailer}, {rcpt_host}, {rcpt_addr}'')dnl
_cf_default(`confMILTER_MACROS_EOM', `{msg_id}')')
ifdef(`_cf_feature_access_db', `define(`_cf_NEED_MACRO_MAP', `1')define(`_cf_FULLTLS', `1')')
ifdef(`_cf_feature_sts', `define(`_cf_FULLTLS', `1')')
include(_CF_DIR_`m4/options.m4')

define(`_cf_RECEIVED', `ifdef(`confRECEIVED_HEADER', `confRECEIVED_HEADER',
`$?sfrom $s $.$?_($?s$|from $.$_)
	$.$?{auth_type}(authenticated$?{auth_ssf} bits=${auth_ssf}$.)
	$.by $j ($v/$Z)$?r with $r$. id $i$?{tls_version}
	(version=${tls_version} cipher=${cipher} bits=${cipher_bits} verify=${verify})$.$?u
	for $u; $|;
	$.$b')')

divert(0)dnl
#####  proto.m4 (this package): the cf below was generated  #####

# configuration file format level, and who wrote it
define(`_cf_vendor_tail', `ifdef(`NO_VENDOR', `', `/'ifdef(`VENDOR_NAME', `VENDOR_NAME', `Berkeley'))')dnl
V`'CF_LEVEL`'_cf_vendor_tail

_cf_opt(`DontBlameSendmail', `confDONT_BLAME_SENDMAIL', `safe')dnl
_cf_opt(`LDAPDefaultSpec', `confLDAP_DEFAULT_SPEC', `-h localhost')dnl

##################
#   local info   #
##################

_cf_macro_line(`{sendmailMTACluster}', `confLDAP_CLUSTER', `$m')
# our names
Cwlocalhost
ifdef(`_cf_feature_use_cw_file', `Fw`'confCW_FILE
')dnl
_cf_macro_line(`j', `confDOMAIN_NAME', `$w.Foo.COM')

# pseudo domains that are never looked up
CP.
ifdef(`UUCP_RELAY', `DY`'UUCP_RELAY
CPUUCP
')dnl
ifdef(`BITNET_RELAY', `DB`'BITNET_RELAY
CPBITNET
')dnl
ifdef(`DECNET_RELAY', `DC`'DECNET_RELAY
CPDECNET
')dnl
ifdef(`FAX_RELAY', `DF`'FAX_RELAY
CPFAX
')dnl

# smart host (empty: deliver directly)
DS`'_cf_val(`SMART_HOST')
ifdef(`LUSER_RELAY', `Kuser user -m -a<>
DL`'LUSER_RELAY
')dnl

# operators that say an address is routed
CO @ ifdef(`_cf_feature_nopercenthack', `', `% ')ifdef(`_cf_feature_nouucp', `', `!')
C..
C[[
ifdef(`_cf_feature_access_db', `C{Accept}OK RELAY
')dnl
ifdef(`_cf_SPAMTAG', `C{SpamTag}SPAMFRIEND SPAMHATER
')dnl
ifdef(`_cf_feature_accept_unresolvable_domains', `', `Kresolve host -a<OKR> -T<TEMP>
')dnl
C{ResOk}OKR
ifdef(`_cf_NEED_MACRO_MAP', `Kmacro macro
')dnl
ifdef(`confCR_FILE', `FR`'confCR_FILE
')dnl
Karith arith
ifdef(`_cf_FULLTLS', `C{Tls}VERIFY ENCR
C{TlsVerified}OK TRUSTED
')dnl
ifdef(`_cf_feature_sts', `dnl
# MTA-STS: the servername=, match= and flags= parts of a policy
Kstsxsni regex -a: -s3 (.*)(servername=)(.*)
Kstsxsni2 regex -a: -s2 (.*)(servername=.*)
Kstsxmatch regex -a: -s2 (match=)(.*)
Kstsxnodaneflag regex -a@ -s3 (.*)(flags=)([^;]*d)(.*)
')dnl
ifdef(`LOCAL_RELAY', `DR`'LOCAL_RELAY
')dnl
ifdef(`MAIL_HUB', `DH`'MAIL_HUB
')dnl
Kdequote dequote`'ifdef(`confDEQUOTE_OPTS', ` confDEQUOTE_OPTS')

undivert(5)dnl
ifdef(`_cf_VIRTHOSTS', `CR$={VirtHost}
')dnl
ifdef(`MASQUERADE_NAME', `DM`'MASQUERADE_NAME
')dnl
Dn`'confMAILER_NAME

undivert(6)dnl
include(_CF_DIR_`m4/version.m4')dnl

###############
#   Options   #
###############

_cf_OPTIONS`'dnl
ifelse(defn(`_cf_DAEMONS'), `', `ifdef(`_NETINET6_', `O DaemonPortOptions=Name=MTA-v4, Family=inet
O DaemonPortOptions=Name=MTA-v6, Family=inet6
', `O DaemonPortOptions=Name=MTA
')', `_cf_DAEMONS')`'dnl
ifdef(`_cf_feature_no_default_msa', `', `O DaemonPortOptions=Port=587, Name=MSA, M=E
')dnl
ifelse(defn(`_cf_CLIENTS'), `', `#O ClientPortOptions=Family=inet, Address=0.0.0.0
', `_cf_CLIENTS')`'dnl
O HelpFile=HELP_FILE
O QueueDirectory=ifdef(`QUEUE_DIR', `QUEUE_DIR', `/var/spool/mqueue')
ifelse(confTIME_ZONE, `USE_SYSTEM', `#O TimeZoneSpec=', confTIME_ZONE, `USE_TZ', `O TimeZoneSpec=', `O TimeZoneSpec=confTIME_ZONE')
ifelse(defn(`_cf_FILTERS'), `', `', `_cf_MILTER_OPTIONS')`'dnl
ifdef(`_cf_SMTPOPMODES', `C{SMTPOpModes} s d D
')dnl

###########################
#   Queue groups          #
###########################
_cf_QGROUPS`'dnl

###########################
#   Precedence values     #
###########################
Pfirst-class=0
Pspecial-delivery=100
Plist=-30
Pbulk=-60
Pjunk=-100

#####################
#   May set sender  #
#####################
ifdef(`_cf_feature_use_ct_file', `', `#')Ft`'confCT_FILE
Troot
Tdaemon
ifdef(`_cf_feature_nouucp', `', `Tuucp
')dnl
ifdef(`confTRUSTED_USERS', `T`'confTRUSTED_USERS
')dnl

#########################
#   Header templates    #
#########################
H?P?Return-Path: <$g>
HReceived: _cf_RECEIVED
H?D?Resent-Date: $a
H?D?Date: $a
H?F?Resent-From: confFROM_HEADER
H?F?From: confFROM_HEADER
H?x?Full-Name: $x
H?M?Resent-Message-Id: confMESSAGEID_HEADER
H?M?Message-Id: confMESSAGEID_HEADER

#########################
#   Rewriting rules     #
#########################

include(_CF_DIR_`m4/rules_addr.m4')dnl
include(_CF_DIR_`m4/rules_check.m4')dnl
include(_CF_DIR_`m4/rules_tls.m4')dnl

undivert(9)dnl

#########################
#   Mail filters        #
#########################
_cf_FILTERS`'dnl

#########################
#   Mailers             #
#########################
undivert(7)dnl
