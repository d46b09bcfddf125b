divert(-1)
dnl #
dnl # qpage.m4 -- the "qpage" mailer: sends short messages to pagers
dnl # through QuickPage (mailertable entries such as "pager qpage:x").
dnl #
dnl # Settings: QPAGE_MAILER_PATH, _FLAGS, _ARGS, _MAX (4096), _QGRP;
dnl # MODIFY_MAILER_FLAGS(`QPAGE').
dnl #
_cf_FILEID(`mailer/qpage.m4')
_cf_default(`QPAGE_MAILER_PATH', `/usr/local/bin/qpage')
_cf_default(`QPAGE_MAILER_FLAGS', `mDFMs')
_cf_default(`QPAGE_MAILER_ARGS', `qpage -l0 -m -P$u')
_cf_default(`QPAGE_MAILER_MAX', `4096')
divert(7)dnl

Mqpage,		P=QPAGE_MAILER_PATH, F=_cf_mflags(`QPAGE', QPAGE_MAILER_FLAGS),
		M=QPAGE_MAILER_MAX, T=DNS/RFC822/X-Unix,_cf_qgrp(`QPAGE_MAILER_QGRP')
		A=QPAGE_MAILER_ARGS

divert(-1)
