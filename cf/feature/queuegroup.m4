divert(-1)
dnl #
dnl # queuegroup.m4 -- ruleset queuegroup: a recipient's QGRP: access entry
dnl # (user@domain, then the domain and its parents) names its queue group;
dnl # argument 1 is the group when there is none.  An address without a
dnl # domain is left alone (no decision).
dnl #
_cf_FILEID(`feature/queuegroup.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(queuegroup) needs FEATURE(access_db) before it')')
PUSHDIVERT(9)dnl
Squeuegroup
R< $+ >				$1
R$+ @ $+			$: $>SearchList <! qgrp> $| $>QgrpKeys $1@$2
R<?>				$@ ifelse(_ARG_, `', `', `$# _ARG_')
R<$+>				$# $1

dnl # QgrpKeys user@domain: what SearchList tries, the whole address first
SQgrpKeys
R$+ @ $+			$@ <F:$1@$2> <D:$2> <>
POPDIVERT
