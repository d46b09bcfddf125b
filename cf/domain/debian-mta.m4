divert(-1)
dnl #
dnl # debian-mta.m4 -- Debian's settings for the MTA (the daemon that
dnl # receives mail): state and pid files under /var/lib/sendmail and
dnl # /var/run/sendmail/mta, shorter SMTP timeouts, a higher hop count,
dnl # group-readable queue files, the DontBlameSendmail relaxations Debian
dnl # ships with 8.17, smmta as the trusted user.
dnl #
_cf_FILEID(`domain/debian-mta.m4')
define(`DEBIAN_MTA', `1')
define(`STATUS_FILE', `/var/lib/sendmail/sendmail.st')
define(`confHOST_STATUS_DIRECTORY', `/var/lib/sendmail/host_status')
define(`confPID_FILE', `/var/run/sendmail/mta/sendmail.pid')
define(`confCONTROL_SOCKET_NAME', `/var/run/sendmail/mta/smcontrol')
define(`confPROCESS_TITLE_PREFIX', `MTA')
define(`confMAX_DAEMON_CHILDREN', `0')
define(`confRRT_IMPLIES_DSN', `False')
define(`confSAFE_FILE_ENV', `/')
define(`confSAFE_QUEUE', `True')
define(`confQUEUE_FILE_MODE', `0640')
define(`confTEMP_FILE_MODE', `0640')
dnl # SMTP timeouts
define(`confTO_ICONNECT', `2m')
define(`confTO_MAIL', `2m')
define(`confTO_DATAINIT', `2m')
define(`confTO_RSET', `1m')
define(`confTO_QUIT', `2m')
define(`confTO_COMMAND', `5m')
define(`confTO_IDENT', `5s')
define(`confMAX_HOP', `100')
dnl # added to whatever DontBlameSendmail the .mc set before
define(`_cf_debian_dbs', `AssumeSafeChown,ForwardFileInGroupWritableDirPath,GroupWritableForwardFileSafe,GroupWritableIncludeFileSafe,IncludeFileInGroupWritableDirPath,DontWarnForwardFileInUnsafeDirPath,TrustStickyBit,NonRootSafeAddr,GroupWritableIncludeFile,GroupReadableDefaultAuthInfoFile')
define(`confDONT_BLAME_SENDMAIL', defn(`confDONT_BLAME_SENDMAIL')`,'defn(`_cf_debian_dbs'))
dnl # (Debian's file leaves four spaces of indentation in front of the
dnl # value; sendmail skips them, and so does a cf compared with Debian's)
define(`confPRIVACY_FLAGS', `    restrictqrun,restrictexpand')
_cf_default(`confTRUSTED_USER', `smmta')
define(`confMAX_RUNNERS_PER_QUEUE', `5')
