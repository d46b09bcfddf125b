divert(-1)
dnl #
dnl # CS.Berkeley.EDU.m4 -- the Berkeley Computer Science sample domain:
dnl # Berkeley.EDU plus its user databases and the cssubdomain hack.
dnl #
_cf_FILEID(`domain/CS.Berkeley.EDU.m4')
DOMAIN(`Berkeley.EDU')
HACK(`cssubdomain')
define(`confUSERDB_SPEC', `/usr/sww/share/lib/users.cs.db,/usr/sww/share/lib/users.eecs.db')
