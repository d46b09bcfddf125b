divert(-1)
dnl #
dnl # ssh.m4 -- the "ssh" mailer (a Debian extra): runs "sendmail -bs" on
dnl # the next host through ssh.  SSH_MAILER_USER and SSH_MAILER_DIR must
dnl # be defined first (the run-as user and its working folder); a missing
dnl # one is reported, and the M line is written anyway.
dnl #
dnl # Settings: SSH_MAILER_PATH (or SSH_PATH), SSH_REMOTE_COMMAND,
dnl # SSH_MAILER_HOST ($h), SSH_MAILER_FLAGS, _ARGS, _MAX, _MAXMSGS,
dnl # _MAXRCPTS, _CHARSET, _QGRP; MODIFY_MAILER_FLAGS(`SSH').
dnl #
_cf_FILEID(`mailer/ssh.m4')
_cf_default(`SSH_MAILER_PATH', ifdef(`SSH_PATH', `SSH_PATH', `/usr/bin/ssh'))
_cf_default(`SSH_REMOTE_COMMAND', `/usr/sbin/sendmail -bs')
_cf_default(`SSH_MAILER_FLAGS', `')
_cf_default(`SSH_MAILER_HOST', `$h')
_cf_default(`SSH_MAILER_ARGS', `ssh -o BatchMode=yes -o EscapeChar=none -- 'SSH_MAILER_HOST` 'SSH_REMOTE_COMMAND)
ifdef(`SSH_MAILER_USER', `', `_cf_error(`MAILER(ssh) needs SSH_MAILER_USER defined before it')')
ifdef(`SSH_MAILER_DIR', `', `_cf_error(`MAILER(ssh) needs SSH_MAILER_DIR defined before it')')
divert(7)dnl

Mssh,		P=SSH_MAILER_PATH, F=_cf_mflags(`SSH', `mDFMuX'SSH_MAILER_FLAGS), S=EnvFromSMTP/HdrFromSMTP, R=ifdef(`_cf_feature_allmasquerade', `EnvToSMTP/HdrFromSMTP', `EnvToSMTP'), E=\r\n, L=990,
		_cf_field(`SSH_MAILER_MAX', `M')_cf_field(`SSH_MAILER_MAXMSGS', `m')_cf_field(`SSH_MAILER_MAXRCPTS', `r')_cf_field(`SSH_MAILER_CHARSET', `C')T=DNS/RFC822/SMTP,_cf_qgrp(`SSH_MAILER_QGRP')
		U=SSH_MAILER_USER, D=SSH_MAILER_DIR,
		A=SSH_MAILER_ARGS

divert(-1)
