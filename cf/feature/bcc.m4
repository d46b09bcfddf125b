divert(-1)
dnl #
dnl # bcc.m4 -- send a blind copy of mail for chosen recipient domains to
dnl # an extra address (needs a sendmail built with AddBcc).
dnl #   arg 1: map definition of the domain table, or "access" to use
dnl #          bcc: entries of the access map (default: bcctable)
dnl #   arg 2: the copy address's mailer:host, kept in macro A
dnl #   arg 3: the address the copy goes to (default: the recipient itself)
dnl #   arg 4: map that turns that address into the final copy recipient
dnl #
_cf_FILEID(`feature/bcc.m4')
define(`_cf_BCC_FROM_ACCESS', ifelse(_cf_lc(_ARG_), `access', `1', `'))
ifelse(_cf_BCC_FROM_ACCESS, `1', `ifdef(`_cf_feature_access_db', `',
	`_cf_error(`FEATURE(bcc, access) reads the access map: put FEATURE(access_db) first')')')
define(`_cf_BCC_COPY_TO', _ARG3_)
define(`_cf_BCC_CANON', _ARG4_)
ifelse(_cf_BCC_CANON, `', `', `define(`_cf_SMTPOPMODES', `1')')
PUSHDIVERT(6)dnl
ifelse(_cf_BCC_FROM_ACCESS, `1', `', `Kbcctable ifelse(_ARG_, `', `_cf_mapdef(`bcctable')', `_ARG_')
')dnl
O AddBcc=true
ifelse(_ARG2_, `', `', `DA`'_ARG2_
')dnl
ifelse(_cf_BCC_CANON, `', `', `KcanonicalRcpt _cf_BCC_CANON
')dnl
POPDIVERT
PUSHDIVERT(9)dnl
dnl # bcc <address>: the address a copy goes to, or nothing.  A recipient
dnl # domain listed in the table (or any parent of it) asks for a copy.
Sbcc
R< $+ >				$: $1
ifelse(_cf_BCC_FROM_ACCESS, `1', `dnl
R$+ @ $+			$: $1@$2 $| <copy?> $>SearchList <! bcc> $| <D:$2> <>
', `dnl
R$+ @ $+			$: $1@$2 $| <copy?> $>BCC $2
')dnl
R$* $| <copy?> <?>		$@
R$* $| <copy?> $*		$: ifelse(_cf_BCC_COPY_TO, `', `$1', `_cf_BCC_COPY_TO')
ifelse(_cf_BCC_CANON, `', `', `dnl
dnl # the copy address as the canonicalRcpt map names it; unlisted: no copy
R$+ @ $+			$: <canon> $(canonicalRcpt $1 @ $2 $: $)
R<canon>			$@
R<canon> $* <TMPF>		$#error $@ 4.3.0 $: "451 Temporary system failure. Please try again later."
R<canon> $+			$@ $1
')dnl
ifelse(_cf_BCC_FROM_ACCESS, `1', `', `dnl

dnl # BCC domain: <value> when the domain, or a parent given as ".parent"
dnl # or "parent", is in the table; <?> otherwise
SBCC
R$+				$: <$(bcctable $1 $: ? $)> $1
R<?> $- . $+			$: <$(bcctable .$2 $: ? $)> $2
R<?> $+				$@ $>BCCParent $1
R<$*> $*			$@ <$1>

dnl # BCCParent domain: the domain without its first label, looked up again
dnl # (a single label that was not found ends the walk)
SBCCParent
R$- . $+			$@ $>BCC $2
R$*				$@ <?>
')dnl
POPDIVERT
