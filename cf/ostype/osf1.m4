divert(-1)
dnl #
dnl # osf1.m4 -- OSTYPE(osf1): DEC OSF/1, Digital UNIX, Tru64.
dnl # A value the .mc defines before OSTYPE() wins over each _cf_default here.
dnl #
_cf_FILEID(`ostype/osf1.m4')
_cf_default(`STATUS_FILE', `/usr/adm/sendmail/sendmail.st')
define(`confDEF_USER_ID', `daemon')
define(`confEBINDIR', `/usr/lbin')
