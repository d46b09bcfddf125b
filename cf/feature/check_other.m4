divert(-1)
dnl #
dnl # check_other.m4 -- end sessions whose failing commands look like header lines (regex)
dnl #
_cf_FILEID(`feature/check_other.m4')
PUSHDIVERT(6)dnl
Kbadcmd regex -m -a<BADCMD> ifelse(_ARG_, `', `^[[:print:]]+ *:', `_ARG_')
POPDIVERT
PUSHDIVERT(9)dnl
Scheck_other
R$* $| 5$*			$: $(badcmd $1 $) $| 5$2
R$* <BADCMD> $| $*		$#error $@ 4.7.0 $: 421 bad command
POPDIVERT
