divert(-1)
dnl #
dnl # usenet.m4 -- the "usenet" mailer: posts mail sent to
dnl # newsgroup.name.USENET through inews.  Parse1 routes such addresses
dnl # to it when this mailer is present.
dnl #
dnl # Settings: USENET_MAILER_PATH, _FLAGS, _ARGS (the recipient is added
dnl # after them), _MAX, _QGRP; MODIFY_MAILER_FLAGS(`USENET').
dnl #
_cf_FILEID(`mailer/usenet.m4')
_cf_default(`USENET_MAILER_PATH', `/usr/lib/news/inews')
_cf_default(`USENET_MAILER_FLAGS', `rsDFMmn')
_cf_default(`USENET_MAILER_ARGS', `inews -m -h -n')
divert(7)dnl

Musenet,	P=USENET_MAILER_PATH, F=_cf_mflags(`USENET', USENET_MAILER_FLAGS), S=EnvFromL, R=EnvToL,
		_cf_field(`USENET_MAILER_MAX', `M')T=X-Usenet/X-Usenet/X-Unix,_cf_qgrp(`USENET_MAILER_QGRP')
		A=USENET_MAILER_ARGS $u

divert(-1)
