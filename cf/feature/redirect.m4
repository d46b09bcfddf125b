divert(-1)
dnl #
dnl # redirect.m4 -- user@host.REDIRECT aliases answer 551 with the new address
dnl #
_cf_FILEID(`feature/redirect.m4')
PUSHDIVERT(6)dnl
CPREDIRECT
POPDIVERT
PUSHDIVERT(3)dnl
R$* < @ $+ .REDIRECT. >		$: $1 < @ $2 . REDIRECT . > < ${opMode} >
R$* < @ $+ .REDIRECT. > <i>	$: $1 < @ $2 . REDIRECT. >
R$* < @ $+ .REDIRECT. > < $- >	$#error $@ 5.1.1 $: "551 User has moved; please try " <$1@$2>
POPDIVERT
