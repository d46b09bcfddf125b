divert(-1)
dnl #
dnl # queuegroup.m4 -- queuegroup ruleset: QGRP: access entries choose the queue group (default group)
dnl #
_cf_FILEID(`feature/queuegroup.m4')
ifdef(`_cf_feature_access_db', `', `_cf_warn(`FEATURE(queuegroup) needs FEATURE(access_db) before it')')
PUSHDIVERT(9)dnl
Squeuegroup
R< $+ >				$1
R $+ @ $+			$: $>SearchList <! qgrp> $| <F:$1@$2> <D:$2> <>
R $+				$: $>SearchList <! qgrp> $| <F:$1@> <>
R<?>				$@ ifelse(_ARG_, `', `', `$# _ARG_')
R<$+>				$# $1
POPDIVERT
