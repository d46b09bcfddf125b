divert(-1)
dnl #
dnl # spamtrap.m4 -- (Debian) poisoned addresses: a recipient whose To:
dnl # access entry says POISON marks the message ({PoisonRecipient}), and
dnl # check_eoh then refuses it; a To: header naming such an address alone
dnl # is refused too (CheckTo).  Needs access_db.
dnl #
_cf_FILEID(`hack/spamtrap.m4')
ifdef(`_cf_feature_access_db', `', `_cf_error(`HACK(spamtrap) reads To: entries of the access map: put FEATURE(access_db) first')')
define(`_cf_NEED_MACRO_MAP', `1')
PUSHDIVERT(9)dnl
dnl # the recipient (the part in angle brackets, when there is one)
SLocal_check_rcpt
R$*				$: $1 $| <rcpt> $1
R$* $| <rcpt> $* < $+ > $*	$: $1 $| <rcpt> $3
R$* $| <rcpt> $+		$: $1 $| <rcpt> $>SearchList <! To> $| <E:$2> <>
R$* $| <rcpt> <POISON>		$: $1 $| <rcpt> $(macro {PoisonRecipient} $@ POISON $)
R$* $| <rcpt> $*		$: $1

Scheck_eoh
R$*				$: <$&{PoisonRecipient}>
R<POISON>			$#error $@ 5.7.1 $: 550 Mail sent to spam lists is not accepted here

HTo: $>CheckTo

dnl # CheckTo header value: a single address listed as POISON is refused
SCheckTo
R$+ , $+			$@ $1 , $2
R$*				$: $1 $| <to> $>SearchList <! To> $| <E:$1> <>
R$* $| <to> <POISON>		$#error $@ 5.7.1 $: 550 Mail sent by spamware is not accepted here
R$* $| <to> $*			$: $1
POPDIVERT
