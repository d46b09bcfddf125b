divert(-1)
dnl #
dnl # msp.m4 -- submission program config: hand every message to the MTA (host, MSA)
dnl #
_cf_FILEID(`feature/msp.m4')
undefine(`ALIAS_FILE')
define(`confDELIVERY_MODE', `i')
define(`confUSE_MSP', `True')
define(`confFORWARD_PATH', `')
define(`confPRIVACY_FLAGS', `goaway,noetrn,restrictqrun')
define(`confDONT_PROBE_INTERFACES', `True')
_cf_default(`confRUN_AS_USER', `smmsp')
_cf_default(`confTRUSTED_USER', ifelse(index(confRUN_AS_USER, `:'), -1, `confRUN_AS_USER',
	`substr(confRUN_AS_USER, 0, index(confRUN_AS_USER, `:'))'))
define(`QUEUE_DIR', ifdef(`MSP_QUEUE_DIR', `MSP_QUEUE_DIR', `/var/spool/clientmqueue'))
_cf_default(`confPID_FILE', QUEUE_DIR`/sm-client.pid')
define(`confQUEUE_FILE_MODE', `0660')
dnl # the client's status file: the MTA's name with sm-client.st, else in its queue
define(`STATUS_FILE', ifdef(`STATUS_FILE', `patsubst(STATUS_FILE, `sendmail\.st', `sm-client.st')', `QUEUE_DIR`/sm-client.st''))
define(`_cf_feature_no_default_msa', `')
ifelse(defn(`_cf_DAEMONS'), `', `DAEMON_OPTIONS(`Name=NoMTA, Addr=127.0.0.1, M=E')')
define(`_cf_MTA_HOST', ifelse(_ARG_, `', `[localhost]', `_ARG_'))
dnl # FEATURE(msp, host, MSA): talk to the submission port rather than 25
define(`_cf_msp_port', ifelse(_ARG2_, `MSA', `587', `'))
ifelse(_cf_msp_port, `', `', `define(`RELAY_MAILER_ARGS', `TCP $h '_cf_msp_port)')
define(`_cf_LOCAL_IS_SMTP', `1')
define(`_cf_SMTP_EXTRA', `k5')
define(`_cf_RELAY_EXTRA', `k')
PUSHDIVERT(6)dnl
D{MTAHost}_cf_MTA_HOST
POPDIVERT
MAILER(`local')
MAILER(`smtp')
PUSHDIVERT(9)dnl
SLocal_localaddr
dnl # everything goes to the MTA host; <?> marks an address still to be
dnl # looked at: one with a host (or a DECnet node) goes as it is, any other
dnl # gets our name
R$+				$: <?> $>ParseRecipient $1
R$@				$: <?>
R<?> $* < @ $+ > $*		$: $1 < @ $2 > $3
ifdef(`_USE_DECNET_SYNTAX_', `dnl
R<?> $+ :: $+			$: $1 :: $2
')dnl
R<?> $*				$: ifdef(`MASQUERADE_NAME', `ifdef(`_cf_feature_masquerade_envelope', `$1 < @ $M >', `$1 < @ $j >')', `$1 < @ $j >')
R$*				$#relay $@ ${MTAHost} $: $1
POPDIVERT
