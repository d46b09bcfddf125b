divert(-1)
dnl #
dnl # darwin.m4 -- OSTYPE(darwin): Apple Darwin / macOS.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/darwin.m4')
_cf_default(`STATUS_FILE', `/var/log/sendmail.st')
MODIFY_MAILER_FLAGS(`LOCAL', `+S')
_cf_default(`LOCAL_MAILER_PATH', `/usr/libexec/mail.local')
_cf_default(`UUCP_MAILER_ARGS', `uux - -r -z -a$g $h!rmail ($u)')
define(`confDONT_BLAME_SENDMAIL', `AssumeSafeChown,GroupWritableDirPathSafe')
