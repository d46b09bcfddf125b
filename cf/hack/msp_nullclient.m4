divert(-1)
dnl #
dnl # msp_nullclient.m4 -- (Debian) a mail submission program that is also
dnl # a null client: everything goes to the hub given as the argument,
dnl # nothing is delivered here, addresses are masqueraded as the hub.  It
dnl # brings DOMAIN(debian-msp) unless that was read already, listens on
dnl # 127.0.0.1 only (when no DAEMON_OPTIONS were given) and runs as mail.
dnl #
_cf_FILEID(`hack/msp_nullclient.m4')
ifelse(_ARG_, `', `_cf_error(`HACK(msp_nullclient) needs the hub host name as its argument')')
define(`_cf_MSPNC_HUB', _ARG_)
ifdef(`DEBIAN_MSP', `', `DOMAIN(`debian-msp')')
ifelse(defn(`_cf_DAEMONS'), `', `DAEMON_OPTIONS(`Name=NoMTA, Addr=127.0.0.1, M=E')')
undefine(`ALIAS_FILE')
define(`MAIL_HUB', _cf_MSPNC_HUB)
define(`SMART_HOST', _cf_MSPNC_HUB)
define(`confFORWARD_PATH', `')
dnl # From: <sender> unless the .mc chose its own From header
ifelse(defn(`confFROM_HEADER'), `$?x$x <$g>$|$g$.', `define(`confFROM_HEADER', `<$g>')')
dnl # the status file of the client, next to the MTA one
define(`STATUS_FILE', ifdef(`STATUS_FILE', `patsubst(STATUS_FILE, `sendmail\.st', `sm-client.st')', `/var/run/sm-client.st'))
define(`confUSE_MSP', `True')
define(`confPRIVACY_FLAGS', `goaway,noetrn')
dnl # the queue must be group-writable and of the same group as sendmail
define(`QUEUE_DIR', ifdef(`MSP_QUEUE_DIR', `MSP_QUEUE_DIR', `/var/spool/clientmqueue'))
_cf_default(`confPID_FILE', QUEUE_DIR`/sm-client.pid')
define(`confQUEUE_FILE_MODE', `0660')
FEATURE(`no_default_msa')
define(`confRUN_AS_USER', `mail')
define(`confTRUSTED_USER', `mail')
define(`_cf_LOCAL_BASEFLAGS', `lsDFM5q')
MASQUERADE_AS(_cf_MSPNC_HUB)
FEATURE(`allmasquerade')
FEATURE(`masquerade_envelope')
MAILER(`local')
MAILER(`smtp')
