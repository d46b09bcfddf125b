#!/bin/sh
# oracle.sh -- fetch the reference sendmail 8.17 (Debian packages) into
# regress/.cache/oracle/root so differential tests can run it beside ours.
#
# Never installs anything system-wide: the packages are only unpacked
# with dpkg -x.  Idempotent: a second run finds the binary and stops.
# Prints the path of the oracle's sendmail binary on success; exits
# non-zero with a reason on stderr when it cannot fetch (no network ...).
#
# Run the oracle as
#   LD_LIBRARY_PATH=$CACHE/root/usr/lib/x86_64-linux-gnu \
#       $CACHE/root/usr/libexec/sendmail/sendmail ...

set -u

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${ORACLE_CACHE:-$here/.cache/oracle}
ROOT=$CACHE/root
BIN=$ROOT/usr/libexec/sendmail/sendmail
PKGS="sendmail-bin sendmail-cf sendmail-base liblockfile1 libwrap0"

die() { echo "oracle.sh: $*" >&2; exit 1; }

# done already: every package unpacked (stamp) and the binary present
if [ -x "$BIN" ] && [ -f "$CACHE/.complete" ]; then
	echo "$BIN"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found (need a Debian host)"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found (need a Debian host)"

mkdir -p "$CACHE/debs" || die "cannot create $CACHE"
cd "$CACHE/debs" || die "cannot enter $CACHE/debs"

# apt-get download as root warns that _apt cannot read the folder
# ("download is performed unsandboxed"); harmless, so silenced.
fetch() {
	apt-get download -q $PKGS >download.log 2>&1
}
have_debs() {
	for p in $PKGS; do
		ls "${p}"_*.deb >/dev/null 2>&1 || return 1
	done
	return 0
}

if ! have_debs; then
	if ! fetch; then
		# stale package lists: refresh once, then retry
		apt-get update -qq >update.log 2>&1 ||
		    die "apt-get update failed (no network?): $(tail -n 2 update.log | tr '\n' ' ')"
		fetch || die "apt-get download failed: $(grep -v unsandboxed download.log | tail -n 2 | tr '\n' ' ')"
	fi
	have_debs || die "apt-get download did not produce every package of: $PKGS"
fi

mkdir -p "$ROOT"
for p in $PKGS; do
	deb=$(ls "${p}"_*.deb | head -n 1)
	dpkg -x "$deb" "$ROOT" || die "dpkg -x $deb failed"
done

# setgid (smmsp / mail) binaries make the loader ignore LD_LIBRARY_PATH
chmod -R ug-s "$ROOT/usr" || die "chmod ug-s failed"

[ -x "$BIN" ] || die "no sendmail binary at $BIN after unpacking"
touch "$CACHE/.complete"
echo "$BIN"
