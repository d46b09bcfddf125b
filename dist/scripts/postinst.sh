#!/bin/sh
# postinst.sh -- what a package does after unpacking our files: the users
# and groups, the owners and modes that need them, the mta alternative,
# a self-signed certificate for mailboxd, the maps, and a note about
# configuration files the old packages left as *.rpmsave.
# Safe to run again.  ROOT=/some/dir works on a tree there (no chroot:
# users are made on this system only when ROOT is empty).
# MAILSYS_ALTERNATIVES=no leaves the mta alternative alone: the Debian
# package ships /usr/sbin/sendmail itself, as every Debian MTA does.
ROOT=${ROOT:-}
SBIN=@SBINDIR@
BIN=@BINDIR@
LIB=@LIBDIR@
NOLOGIN=/sbin/nologin
[ -x "$NOLOGIN" ] || NOLOGIN=/usr/sbin/nologin

# group NAME GID, user NAME UID GROUP HOME: made when missing, with the
# CentOS ids when they are free
group() {
	getent group "$1" >/dev/null && return 0
	if getent group "$2" >/dev/null; then
		groupadd -r "$1"
	else
		groupadd -r -g "$2" "$1"
	fi
}
user() {
	getent passwd "$1" >/dev/null && return 0
	if getent passwd "$2" >/dev/null; then
		useradd -r -g "$3" -d "$4" -s "$NOLOGIN" -M "$1"
	else
		useradd -r -u "$2" -g "$3" -d "$4" -s "$NOLOGIN" -M "$1"
	fi
}

if [ -z "$ROOT" ] && [ "$(id -u)" = 0 ]; then
	group mail 12
	group mailnull 47
	group smmsp 51
	user mail 8 mail /var/spool/mail
	user mailnull 47 mailnull /var/spool/mqueue
	user smmsp 51 smmsp /var/spool/mqueue
fi

# owners and modes (chown only what the users exist for)
mkdir -p "$ROOT/var/spool/mqueue" "$ROOT/var/spool/clientmqueue" \
    "$ROOT/var/log/mail" "$ROOT/etc/smrsh"
chmod 0700 "$ROOT/var/spool/mqueue"
chmod 0770 "$ROOT/var/spool/clientmqueue"
# sendmail's statistics file (mailstats); packages leave it to us so that
# an upgrade does not empty it
[ -e "$ROOT/var/log/mail/statistics" ] ||
    install -m 0644 /dev/null "$ROOT/var/log/mail/statistics"
if [ "$(id -u)" = 0 ]; then
	chown root:mail "$ROOT/var/spool/mqueue" 2>/dev/null
	if getent group smmsp >/dev/null; then
		chown smmsp:smmsp "$ROOT/var/spool/clientmqueue"
		chgrp smmsp "$ROOT$SBIN/sendmail.sendmail" &&
		    chmod 2755 "$ROOT$SBIN/sendmail.sendmail"
	fi
fi

# the mta alternative (priority 90, as CentOS's sendmail: above postfix)
ALT=
command -v alternatives >/dev/null 2>&1 && ALT=alternatives
[ -z "$ALT" ] && command -v update-alternatives >/dev/null 2>&1 &&
    ALT=update-alternatives
[ "${MAILSYS_ALTERNATIVES:-yes}" = no ] && ALT=
# The manual pages are slaves too where they are installed under .sendmail
# names, as the RPM does: postfix registers the same slaves for its pages,
# and one we lacked would be removed, page and all, on switching to us.
set --
MAN=${BIN%/bin}/share/man
for m in man8/sendmail.8 man1/mailq.1 man1/newaliases.1 man5/aliases.5; do
	page=${m#*/}
	f=$MAN/${m%/*}/${page%.*}.sendmail.${page##*.}.gz
	[ -e "$f" ] && set -- "$@" --slave "$MAN/$m.gz" "mta-${page%.*}man" "$f"
done
# PAM's "smtp" (saslauthd -a pam) as CentOS's sendmail has it
[ -e /etc/pam.d/smtp.sendmail ] &&
    set -- "$@" --slave /etc/pam.d/smtp mta-pam /etc/pam.d/smtp.sendmail
if [ -n "$ALT" ] && [ -z "$ROOT" ]; then
	$ALT --install "$SBIN/sendmail" mta "$SBIN/sendmail.sendmail" 90 \
	    --slave "$BIN/mailq" mta-mailq "$BIN/mailq.sendmail" \
	    --slave "$BIN/newaliases" mta-newaliases \
		"$BIN/newaliases.sendmail" \
	    --slave "$LIB/sendmail" mta-sendmail "$LIB/sendmail.sendmail" "$@"
fi

# mailboxd's default dovecot.conf wants a certificate (ssl = required)
PKI=$ROOT/etc/pki/dovecot
if [ ! -f "$PKI/certs/dovecot.pem" ] && command -v openssl >/dev/null; then
	mkdir -p "$PKI/certs" "$PKI/private"
	(umask 077; openssl req -x509 -newkey rsa:3072 -nodes -days 365 \
	    -subj "/CN=$(hostname -f 2>/dev/null || hostname)" \
	    -keyout "$PKI/private/dovecot.pem" \
	    -out "$PKI/certs/dovecot.pem" 2>/dev/null) ||
	    echo "postinst: could not make a certificate for mailboxd" >&2
fi

# the maps and cf files from whatever text files are there now
if [ -z "$ROOT" ]; then
	SM_FORCE_DBREBUILD=1 /etc/mail/make >/dev/null 2>&1
	[ -f /etc/aliases ] && /etc/mail/make aliases >/dev/null 2>&1
fi

# configuration the removed packages kept because it had been edited
for f in "$ROOT"/etc/mail/*.rpmsave "$ROOT"/etc/dovecot/*.rpmsave \
    "$ROOT"/etc/dovecot/conf.d/*.rpmsave "$ROOT"/etc/sysconfig/*.rpmsave; do
	[ -e "$f" ] || continue
	echo "note: $f is your edited file from the old package;" \
	    "compare it with ${f%.rpmsave} and merge what you need" >&2
done
exit 0
