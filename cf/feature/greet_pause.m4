divert(-1)
dnl #
dnl # greet_pause.m4 -- wait before the SMTP greeting (default milliseconds; GreetPause: entries)
dnl #
_cf_FILEID(`feature/greet_pause.m4')
ifelse(_ARG_, `', `ifdef(`_cf_feature_access_db', `', `_cf_error(`FEATURE(greet_pause) needs a time in milliseconds when there is no access_db')')')
PUSHDIVERT(9)dnl
SLocal_greet_pause
Sgreet_pause
dnl # input: client name $| client address
_cf_hook(`Local_greet_pause')
ifdef(`_cf_feature_access_db', `dnl
dnl # GreetPause: by the name when there is one, else by the address;
dnl # nothing found: the FEATURE argument (or no pause)
R$+ $| $+			$: <N> $1 $| $2
R $| $+				$: <A> $1
R<N> $+ $| $+			$: $>D <$1> <?> <! GreetPause> <$2>
R<A> $+				$: $>A <$1> <?> <! GreetPause> <>
R<?> <$+>			$: $>A <$1> <?> <! GreetPause> <>
ifelse(_ARG_, `', `R<?> <$*>			$@', `R<?> <$*>			$# _ARG_')
dnl # a map failure means no pause
R<$*<TMPF>> $*			$@
R<$+> <$*>			$# $1
', `dnl
R$*				$# _ARG_
')dnl
POPDIVERT
