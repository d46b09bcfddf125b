divert(-1)
dnl #
dnl # access_db.m4 -- policy from the access map (Connect:, From:, To: ... entries)
dnl #
_cf_FILEID(`feature/access_db.m4')
dnl # extra keywords in arguments 2-4
define(`_cf_acc_kw', `ifelse(_cf_lc(`$1'), `skip', `define(`_cf_ACCESS_SKIP', `1')',
	_cf_lc(`$1'), `lookupdotdomain', `define(`_cf_feature_lookupdotdomain', `1')',
	_cf_lc(`$1'), `relaytofulladdress', `define(`_cf_RELAY_FULL_ADDR', `1')')')
_cf_acc_kw(_ARG2_)_cf_acc_kw(_ARG3_)_cf_acc_kw(_ARG4_)
ifdef(`_cf_feature_greet_pause',
	`_cf_warn(`FEATURE(greet_pause) came before FEATURE(access_db): it will not consult the access map')')
dnl # a map without -T<TMPF> would turn lookup failures into "not found"
define(`_cf_accdef', `ifelse(_ARG_, `', `DATABASE_MAP_TYPE -T<TMPF> _cf_dir(`access')',
	_ARG_, `LDAP', `_cf_ldapmap(`access', `-T<TMPF> ')',
	index(_ARG_, `sequence '), 0, `_ARG_',
	index(_ARG_, `<TMPF>'), -1, `_cf_warn(`FEATURE(access_db, '_ARG_`) lacks -T<TMPF>; added after the map class')dnl
substr(_ARG_, 0, index(_ARG_, ` ')) -T<TMPF>substr(_ARG_, index(_ARG_, ` '))',
	`_ARG_')')
PUSHDIVERT(6)dnl
Kaccess _cf_accdef
POPDIVERT
