divert(-1)
dnl #
dnl # debian-msp.m4 -- Debian's settings for the MSP (the submit.cf that
dnl # command-line sendmail uses): its own queue, status, pid and control
dnl # files, "Submit" as the config version, short connect timeout, no
dnl # host status, no MSA port, run as and trusted smmsp.
dnl #
_cf_FILEID(`domain/debian-msp.m4')
define(`DEBIAN_MSP', `1')
define(`confCF_VERSION', `Submit')
define(`MSP_QUEUE_DIR', `/var/spool/mqueue-client')
define(`STATUS_FILE', `/var/lib/sendmail/sm-client.st')
define(`confHOST_STATUS_DIRECTORY', `')
define(`confPID_FILE', `/var/run/sendmail/msp/sendmail.pid')
define(`confCONTROL_SOCKET_NAME', `/var/run/sendmail/msp/smcontrol')
define(`confPROCESS_TITLE_PREFIX', `MSP')
define(`confRRT_IMPLIES_DSN', `False')
define(`confSAFE_FILE_ENV', `/')
define(`confSAFE_QUEUE', `True')
define(`confQUEUE_FILE_MODE', `0660')
define(`confTEMP_FILE_MODE', `0640')
dnl # timeouts: a local submission connects at once or not at all
define(`confTO_ICONNECT', `2s')
define(`confTO_MAIL', `2m')
define(`confTO_DATAINIT', `2m')
define(`confTO_RSET', `1m')
define(`confTO_QUIT', `2m')
define(`confTO_COMMAND', `5m')
define(`confTO_IDENT', `5s')
define(`confTO_HOSTSTATUS', `0')
FEATURE(`no_default_msa')
define(`confRUN_AS_USER', `smmsp')
define(`confTRUSTED_USER', `smmsp')
