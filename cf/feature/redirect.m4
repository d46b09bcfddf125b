divert(-1)
dnl #
dnl # redirect.m4 -- user@host.REDIRECT aliases answer 551 with the new address
dnl #
_cf_FILEID(`feature/redirect.m4')
PUSHDIVERT(6)dnl
CPREDIRECT
POPDIVERT
PUSHDIVERT(3)dnl
dnl # the mode goes in front: newaliases (i) keeps the address, every other
dnl # mode answers 551 naming the new address
R$* < @ $+ .REDIRECT. >		$: < ${opMode} > $1 < @ $2 .REDIRECT. >
R< i > $* < @ $+ .REDIRECT. >	$: $1 < @ $2 .REDIRECT. >
R< $- > $* < @ $+ .REDIRECT. >	$#error $@ 5.1.1 $: "551 User has moved; please try " <$2@$3>
POPDIVERT
