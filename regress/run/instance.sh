#!/usr/bin/env bash
# instance.sh -- the self-contained mail instance of `make run` / `make stop`:
# lays out DIR (default ./run) with etc/mail (a sendmail.mc compiled by our
# cf/ package, maps built by our makemap, aliases by `sendmail -bi`),
# etc/dovecot (dovecot.conf and a passwd-file for mailboxd), spool/mqueue
# and mail/, then starts `sendmail -bd` and `mailboxd` on 127.0.0.1 and
# prints how to use them.  No root needed; as root nothing outside DIR is
# touched either.  Files that exist are kept (edit them freely); a re-run
# rebuilds what is older than its source and restarts both daemons.
#
#   regress/run/instance.sh start [DIR]     lay out (if needed) and (re)start
#   regress/run/instance.sh stop [DIR]      stop by the PIDs in DIR/*.pid
#
# Environment: SMTP_PORT (2525), IMAP_PORT (1143), POP3_PORT (1110), used
# when the configuration files are first written (later the ports in the
# files count); BIN (folder of sendmail, makemap and mailboxd; default
# <repo>/bin).

set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$REPO/bin}
SMTP_PORT=${SMTP_PORT:-2525}
IMAP_PORT=${IMAP_PORT:-1143}
POP3_PORT=${POP3_PORT:-1110}
cmd=${1:-start}
dir=${2:-run}

die() { echo "instance.sh: $*" >&2; exit 1; }

# a path as the user typed it: relative to the current folder when inside it
show() { case $1 in "$PWD"/*) echo "${1#"$PWD"/}" ;; *) echo "$1" ;; esac; }

# write file $1 from standard input unless it exists (never clobber edits)
keep_or_write() {
	if [ -e "$1" ]; then cat >/dev/null; else cat >"$1"; fi
}

# the PID in pid file $1 when it names a live process of this instance
# (its command line names a file in $D), else nothing
live_pid() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(head -n 1 "$1")
	case $pid in ''|*[!0-9]*) return 0 ;; esac
	kill -0 "$pid" 2>/dev/null || return 0
	if [ -r "/proc/$pid/cmdline" ] &&
	    ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$D/"; then
		return 0
	fi
	echo "$pid"
}

stop_all() {
	local f pid pids="" names="" n=0
	for f in "$D"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(live_pid "$f")
		if [ -n "$pid" ]; then
			kill -TERM "$pid" 2>/dev/null || true
			pids="$pids $pid"
			names="$names $(basename "$f" .pid)=$pid"
		fi
		rm -f "$f"
	done
	# both at once: each takes a second or two to wind down
	for pid in $pids; do
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
			sleep 0.1; n=$((n + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for f in $names; do
		echo "stopped ${f%=*} (pid ${f#*=})"
	done
}

# true once something accepts connections on 127.0.0.1:$1
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case $cmd in
start|stop) ;;
*) die "usage: $0 start|stop [DIR]" ;;
esac
[ "$cmd" = start ] || [ -d "$dir" ] || exit 0	# nothing to stop
mkdir -p "$dir"
D=$(cd "$dir" && pwd)
# the paths go into m4 quotes and cf/dovecot.conf values
case $D in *[!A-Za-z0-9._/+-]*) die "$D: use a folder name of letters, digits and . _ - + /" ;; esac

if [ "$cmd" = stop ]; then
	stop_all
	exit 0
fi

for p in sendmail makemap mailboxd; do
	[ -x "$BIN/$p" ] || die "no $BIN/$p: run make first"
done
command -v m4 >/dev/null || die "m4 is missing: run make deps"

USER_NAME=$(id -un)
USER_UID=$(id -u)
USER_GID=$(id -g)
ETC=$D/etc/mail
DOV=$D/etc/dovecot
CF=$ETC/sendmail.cf
umask 022
mkdir -p "$ETC" "$DOV" "$D/spool/mqueue" "$D/mail" "$D/log" \
    "$D/home/$USER_NAME/mail"
chmod 700 "$D/spool/mqueue"

# ---- sendmail: the .mc, compiled by our cf package ----------------------
# sendmail refuses maps below a group or world writable folder (/tmp ...)
# as unsafe; such an instance says so in its .mc
blame=
p=$(dirname "$D")
while [ "$p" != / ]; do
	[ -n "$(find "$p" -maxdepth 0 -perm /022)" ] && blame=yes
	p=$(dirname "$p")
done
[ -n "$(find / -maxdepth 0 -perm /022)" ] && blame=yes
# an unqualified host name (a container's "vm") gets .localdomain
host=$(hostname -f 2>/dev/null || hostname)
case $host in *.*) domain= ;; *) domain=$host.localdomain ;; esac
keep_or_write "$ETC/sendmail.mc" <<EOF
divert(-1)
# sendmail.mc -- the \`make run' instance (written by regress/run/instance.sh,
# kept once it exists: edit it and run \`make run' again to recompile it).
# Every path stays under $D.
divert(0)dnl
VERSIONID(\`make run instance')dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`$ETC/')dnl
define(\`QUEUE_DIR', \`$D/spool/mqueue')dnl
define(\`STATUS_FILE', \`$ETC/statistics')dnl
define(\`confPID_FILE', \`$D/sendmail.pid')dnl
dnl # files only: no DNS lookups from a test box (add dns to hosts for it)
define(\`confSERVICE_SWITCH_FILE', \`$ETC/service.switch')dnl
define(\`confTO_IDENT', \`0')dnl
${domain:+define(\`confDOMAIN_NAME', \`$domain')dnl
}${blame:+dnl # $D lies below a writable folder: accept the maps there anyway
define(\`confDONT_BLAME_SENDMAIL', \`MapInUnsafeDirPath')dnl
}FEATURE(\`no_default_msa')dnl
FEATURE(\`use_cw_file')dnl
FEATURE(\`access_db')dnl
FEATURE(\`virtusertable')dnl
FEATURE(\`mailertable')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$SMTP_PORT, Addr=127.0.0.1, Name=MTA')dnl
dnl # local delivery into the instance's mailboxes, where mailboxd finds
dnl # the INBOX (mail.local would write /var/mail)
define(\`LOCAL_MAILER_PATH', \`$REPO/regress/run/local-mailer.sh')dnl
define(\`LOCAL_MAILER_ARGS', \`local-mailer.sh $D/mail \$u')dnl
define(\`LOCAL_MAILER_FLAGS', \`SPE9')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF

# recompiled when the .mc or the cf package is newer than the cf
if [ ! -e "$CF" ] || [ "$ETC/sendmail.mc" -nt "$CF" ] ||
    [ -n "$(find "$REPO/cf" -type f -newer "$CF" | head -n 1)" ]; then
	m4 -D_CF_DIR_="$REPO/cf/" "$REPO/cf/m4/cf.m4" "$ETC/sendmail.mc" \
	    >"$CF.new" || die "m4 failed on $ETC/sendmail.mc"
	mv "$CF.new" "$CF"
	echo "compiled $(show "$CF")"
fi

keep_or_write "$ETC/service.switch" <<EOF
hosts files
aliases files
EOF

{
	echo "# local-host-names -- the names this instance takes mail for"
	echo localhost
	echo localhost.localdomain
	echo "${domain:-$host}"
} | keep_or_write "$ETC/local-host-names"

keep_or_write "$ETC/access" <<EOF
# access -- Connect:/From:/To: policy (sendmail's access_db format)
Connect:localhost.localdomain	RELAY
Connect:localhost		RELAY
Connect:127.0.0.1		RELAY
EOF
keep_or_write "$ETC/virtusertable" <<EOF
# virtusertable -- virtual address<TAB>local user or address
EOF
keep_or_write "$ETC/mailertable" <<EOF
# mailertable -- domain<TAB>mailer:host
EOF
{
	echo "# aliases -- the instance's alias file; \`make run' rebuilds aliases.db"
	echo "postmaster:	$USER_NAME"
	echo "MAILER-DAEMON:	postmaster"
	echo "abuse:		postmaster"
	[ "$USER_NAME" = root ] || echo "root:		$USER_NAME"
} | keep_or_write "$ETC/aliases"

# the maps and aliases.db: rebuilt when their text is newer
for m in access virtusertable mailertable; do
	if [ "$ETC/$m" -nt "$ETC/$m.db" ]; then
		"$BIN/makemap" -C "$CF" hash "$ETC/$m" <"$ETC/$m" ||
		    die "makemap failed on $ETC/$m"
	fi
done
if [ "$ETC/aliases" -nt "$ETC/aliases.db" ]; then
	"$BIN/sendmail" -C "$CF" -bi >/dev/null ||
	    die "sendmail -bi failed on $ETC/aliases"
fi

# ---- mailboxd: dovecot.conf and a passwd-file for the invoking user -----
if [ ! -e "$DOV/passwd" ]; then
	pw=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 12 || true)
	(umask 077
	 echo "$USER_NAME:{PLAIN}$pw:$USER_UID:$USER_GID::$D/home/$USER_NAME::" \
	    >"$DOV/passwd")
fi
keep_or_write "$DOV/dovecot.conf" <<EOF
# dovecot.conf -- mailboxd's configuration for the \`make run' instance
# (written by regress/run/instance.sh, kept once it exists)
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = mbox:~/mail:INBOX=$D/mail/%u
first_valid_uid = 0
log_path = $D/log/mailboxd.log
passdb {
  driver = passwd-file
  args = $DOV/passwd
}
userdb {
  driver = passwd-file
  args = $DOV/passwd
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
[ -e "$D/mail/$USER_NAME" ] || (umask 077; : >"$D/mail/$USER_NAME")

# ---- (re)start ----------------------------------------------------------
# the ports the (perhaps edited) files name: those are served and printed
SMTP_PORT=$(sed -n 's/^O DaemonPortOptions=.*Port=\([^,]*\).*/\1/p' "$CF" |
    head -n 1)
settings=$("$BIN/mailboxd" -n -c "$DOV/dovecot.conf") ||
	die "mailboxd cannot use $DOV/dovecot.conf"
listener() {
	echo "$settings" | awk -v l="$1" '$1 == "inet_listener" { on = $2 == l }
	    on && $1 == "port" { print $3; exit }'
}
IMAP_PORT=$(listener imap)
POP3_PORT=$(listener pop3)

stop_all
"$BIN/sendmail" -C "$CF" -bd || die "sendmail -bd failed (see syslog)"
n=0
while [ -z "$(live_pid "$D/sendmail.pid")" ] && [ $n -lt 100 ]; do
	sleep 0.05; n=$((n + 1))
done
[ -n "$(live_pid "$D/sendmail.pid")" ] || die "sendmail wrote no $D/sendmail.pid"

# mailboxd writes no pid file: it stays in the foreground, in a session of
# its own (no terminal signals from make), and its PID is written here
setsid "$BIN/mailboxd" -F -c "$DOV/dovecot.conf" \
    </dev/null >>"$D/log/mailboxd.out" 2>&1 &
echo $! >"$D/mailboxd.pid"
probe=$IMAP_PORT
[ "${probe:-0}" != 0 ] || probe=$POP3_PORT
n=0
while :; do
	kill -0 "$(cat "$D/mailboxd.pid")" 2>/dev/null ||
		die "mailboxd exited: $(tail -n 3 "$D/log/mailboxd.out")"
	listening "$probe" && break
	[ $n -lt 100 ] || die "mailboxd does not listen (see $D/log)"
	sleep 0.05; n=$((n + 1))
done

# ---- how to use it ------------------------------------------------------
pw=$(sed -n "s/^$USER_NAME:{PLAIN}\\([^:]*\\):.*/\\1/p" "$DOV/passwd")
[ -n "$pw" ] || pw="(the one you set in $(show "$DOV/passwd"))"
r=$(show "$D")
b=$(show "$BIN")
c=$(show "$CF")
if [ "$D" = "$REPO/run" ]; then
	start="make run" stop="make stop"
else
	start="$(show "$0") start $r" stop="$(show "$0") stop $r"
fi
swaks=
command -v swaks >/dev/null || swaks="   (apt-get install swaks)"
cat <<EOF

mail instance in $r/ running as $USER_NAME:
  SMTP  127.0.0.1:$SMTP_PORT  $b/sendmail -bd   pid $(head -n 1 "$D/sendmail.pid")  ($r/sendmail.pid)
  IMAP  127.0.0.1:$IMAP_PORT  $b/mailboxd       pid $(cat "$D/mailboxd.pid")  ($r/mailboxd.pid)
  POP3  127.0.0.1:$POP3_PORT
  login: user $USER_NAME  password $pw

send a message:
  swaks --server 127.0.0.1:$SMTP_PORT --to $USER_NAME@localhost$swaks
  printf 'To: $USER_NAME@localhost\\nSubject: hi\\n\\nhello\\n' | $b/sendmail -C $c -t
see the queue and read the mailbox:
  $b/sendmail -C $c -bp
  curl -u $USER_NAME:$pw imap://127.0.0.1:$IMAP_PORT/ -X 'STATUS INBOX (MESSAGES)'
  curl -u $USER_NAME:$pw 'imap://127.0.0.1:$IMAP_PORT/INBOX;MAILINDEX=1'
  curl -u $USER_NAME:$pw pop3://127.0.0.1:$POP3_PORT/1
Mail for $USER_NAME@localhost is delivered at once into $r/mail/$USER_NAME
(what mailboxd serves as INBOX); mail that cannot go yet waits in
$r/spool/mqueue (listed by -bp).
configuration: $r/etc/mail (sendmail.mc, access, aliases ...) and
$r/etc/dovecot; edit them and run $start again.  Stop: $stop
EOF
