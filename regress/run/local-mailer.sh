#!/bin/sh
# local-mailer.sh -- the `make run' instance's local mailer: appends the
# message sendmail gives it (UNIX From line and ">From" escapes already
# made, F=E) to DIR/USER under an exclusive lock, with the blank line that
# ends a message in an mbox.  Usage: local-mailer.sh DIR USER
[ $# -eq 2 ] || { echo "usage: local-mailer.sh DIR USER" >&2; exit 64; }
case $2 in */*|.*) echo "$2: bad user name" >&2; exit 67;; esac
exec 9>>"$1/$2" || exit 73
flock 9 || exit 75
cat >&9 && printf '\n' >&9 || exit 75
