#!/bin/sh
# install.sh -- lays out the FHS tree of a CentOS sendmail + dovecot host
# under $DESTDIR; run by "make install" from the top of the source tree.
#
# Environment: DESTDIR, PREFIX (/usr), SYSCONFDIR (/etc), LOCALSTATEDIR
# (/var), UNITDIR (systemd units, $PREFIX/lib/systemd/system; Debian
# bookworm's debhelper wants /lib/systemd/system), BIN (the built
# programs, bin), TOOLS and HELPERS (the program names beside sendmail),
# PKGBUILD (1 when a .deb or .rpm is being built: modes only, no owners
# or groups of this host, no postinst; the package's scripts set them on
# the target).  Configuration files that exist are never replaced: a
# different new version goes beside them as FILE.new.
set -e
: "${PREFIX:=/usr}" "${SYSCONFDIR:=/etc}" "${LOCALSTATEDIR:=/var}"
: "${BIN:=bin}"
D=${DESTDIR:-}
SBINDIR=$PREFIX/sbin
BINDIR=$PREFIX/bin
LIBDIR=$PREFIX/lib
LIBEXECDIR=$PREFIX/libexec/mailsys
CFDIR=$PREFIX/share/sendmail-cf
MANDIR=$PREFIX/share/man
: "${UNITDIR:=$LIBDIR/systemd/system}"
MAILDIR=$SYSCONFDIR/mail
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

say() { echo "install: $*"; }

# subst FILE: FILE with the @NAME@ paths of this installation filled in
subst() {
	sed -e "s|@CFDIR@|$CFDIR|g" -e "s|@SBINDIR@|$SBINDIR|g" \
	    -e "s|@BINDIR@|$BINDIR|g" -e "s|@LIBDIR@|$LIBDIR|g" \
	    -e "s|@LIBEXECDIR@|$LIBEXECDIR|g" -e "s|@MAILDIR@|$MAILDIR|g" "$1"
}

# conf SRC DEST MODE: a configuration file, kept when it exists
conf() {
	subst "$1" > "$TMP/conf"
	if [ ! -e "$D$2" ]; then
		install -m "$3" "$TMP/conf" "$D$2"
	elif cmp -s "$TMP/conf" "$D$2"; then
		:
	else
		install -m "$3" "$TMP/conf" "$D$2.new"
		say "kept your $2; the new default is $2.new"
	fi
}

# ---- folders
install -d "$D$SBINDIR" "$D$BINDIR" "$D$LIBDIR" "$D$LIBEXECDIR" \
    "$D$MANDIR/man1" "$D$MANDIR/man5" "$D$MANDIR/man8" "$D$CFDIR" \
    "$D$PREFIX/share/sendmail" "$D$UNITDIR" "$D$MAILDIR" \
    "$D$SYSCONFDIR/smrsh" "$D$SYSCONFDIR/sysconfig" \
    "$D$SYSCONFDIR/dovecot/conf.d" "$D$LOCALSTATEDIR/log/mail" \
    "$D$SYSCONFDIR/logrotate.d" "$D$SYSCONFDIR/pam.d" "$D$SYSCONFDIR/sasl2"
install -d -m 0700 "$D$LOCALSTATEDIR/spool/mqueue"
install -d -m 0770 "$D$LOCALSTATEDIR/spool/clientmqueue"

# ---- programs.  The binary is sendmail.sendmail and the usual names are
# links to it, as on CentOS, so that "alternatives --config mta" can
# switch them (dist/scripts/postinst.sh registers it).
install -m 0755 "$BIN/sendmail" "$D$SBINDIR/sendmail.sendmail"
ROOT=$(id -u)
[ "${PKGBUILD:-0}" = 1 ] && ROOT=package
if [ "$ROOT" = 0 ] && getent group smmsp >/dev/null; then
	chgrp smmsp "$D$SBINDIR/sendmail.sendmail"
	chmod 2755 "$D$SBINDIR/sendmail.sendmail"
elif [ "$ROOT" != package ]; then
	say "sendmail installed 0755, not set-group-id smmsp" \
	    "(no smmsp group or not root): the postinst script fixes it"
fi
ln -sfn sendmail.sendmail "$D$SBINDIR/sendmail"
ln -sfn ../sbin/sendmail.sendmail "$D$LIBDIR/sendmail.sendmail"
ln -sfn sendmail.sendmail "$D$LIBDIR/sendmail"
for n in mailq newaliases; do
	ln -sfn ../sbin/sendmail.sendmail "$D$BINDIR/$n.sendmail"
	ln -sfn "$n.sendmail" "$D$BINDIR/$n"
done
for n in hoststat purgestat; do
	ln -sfn ../sbin/sendmail.sendmail "$D$BINDIR/$n"
done
for t in $TOOLS $HELPERS; do
	install -m 0755 "$BIN/$t" "$D$SBINDIR/$t"
done
ln -sfn ../sbin/makemap "$D$BINDIR/makemap"
subst dist/scripts/sendmail-start > "$TMP/start"
install -m 0755 "$TMP/start" "$D$LIBEXECDIR/sendmail-start"
subst dist/scripts/postinst.sh > "$TMP/postinst"
install -m 0755 "$TMP/postinst" "$D$LIBEXECDIR/postinst"

# ---- manual pages and the m4 package
for m in doc/*.[158]; do
	install -m 0644 "$m" "$D$MANDIR/man${m##*.}/"
done
cp -R cf/. "$D$CFDIR/"
ln -sfn ../sendmail-cf "$D$PREFIX/share/sendmail/cf"

# ---- /etc/mail
for f in access virtusertable mailertable domaintable local-host-names \
    trusted-users sendmail.mc submit.mc Makefile; do
	conf "dist/etc/mail/$f" "$MAILDIR/$f" 0644
done
conf dist/etc/mail/make "$MAILDIR/make" 0755
conf cf/helpfile "$MAILDIR/helpfile" 0644
# the cf files, made now with m4 from the .mc files (ours or those kept)
for n in sendmail submit; do
	if [ -e "$D$MAILDIR/$n.cf" ]; then
		say "kept your $MAILDIR/$n.cf (make -C $MAILDIR rebuilds it" \
		    "when $n.mc is newer)"
		continue
	fi
	sed "s|$CFDIR/|$PWD/cf/|g" "$D$MAILDIR/$n.mc" | m4 > "$TMP/$n.cf"
	install -m 0644 "$TMP/$n.cf" "$D$MAILDIR/$n.cf"
done
[ -e "$D$LOCALSTATEDIR/log/mail/statistics" ] ||
    install -m 0644 /dev/null "$D$LOCALSTATEDIR/log/mail/statistics"

# ---- dovecot.conf for mailboxd
conf dist/etc/dovecot/dovecot.conf "$SYSCONFDIR/dovecot/dovecot.conf" 0644
for f in dist/etc/dovecot/conf.d/*.conf; do
	conf "$f" "$SYSCONFDIR/dovecot/conf.d/${f##*/}" 0644
done

# PAM's service "dovecot" (CentOS's came with the dovecot package):
# CentOS's form, or Debian's (common-auth) when PAM_STACK=debian or a
# live install (no DESTDIR) finds that stack on this host
stack=${PAM_STACK:-}
if [ -z "$stack" ] && [ -z "$D" ] && [ -e /etc/pam.d/common-auth ] &&
    [ ! -e /etc/pam.d/password-auth ]; then
	stack=debian
fi
# and "smtp" for saslauthd -a pam, the target of the mta-pam slave
sfx=
[ "$stack" = debian ] && sfx=.debian
conf dist/etc/pam.d/dovecot$sfx "$SYSCONFDIR/pam.d/dovecot" 0644
conf dist/etc/pam.d/smtp.sendmail$sfx "$SYSCONFDIR/pam.d/smtp.sendmail" 0644

# SMTP AUTH's password check through saslauthd (CentOS's came with the
# sendmail package)
conf dist/etc/sasl2/Sendmail.conf "$SYSCONFDIR/sasl2/Sendmail.conf" 0644

# ---- services
for u in dist/systemd/*.service; do
	subst "$u" > "$TMP/unit"
	install -m 0644 "$TMP/unit" "$D$UNITDIR/${u##*/}"
done
conf dist/sysconfig/sendmail "$SYSCONFDIR/sysconfig/sendmail" 0644
# mailboxd's log file when log_path names one; /var/log/maillog is the
# syslog daemon's to rotate
conf dist/logrotate/mailboxd "$SYSCONFDIR/logrotate.d/mailboxd" 0644

# ---- owners of the spools (the users may not exist yet: postinst)
if [ "$ROOT" = 0 ]; then
	chown root:mail "$D$LOCALSTATEDIR/spool/mqueue" 2>/dev/null ||
	    say "no group mail: $LOCALSTATEDIR/spool/mqueue left root:root"
	chown smmsp:smmsp "$D$LOCALSTATEDIR/spool/clientmqueue" 2>/dev/null ||
	    say "no user smmsp: $LOCALSTATEDIR/spool/clientmqueue left" \
		"to the installing user"
fi
if [ "$ROOT" = package ]; then
	:
elif [ -z "$D" ]; then
	"$LIBEXECDIR/postinst"
else
	say "done; on the target host run $LIBEXECDIR/postinst (users," \
	    "groups, modes, the mta alternative)"
fi
