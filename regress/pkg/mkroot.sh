#!/bin/sh
# mkroot.sh -- the Debian bookworm root the package test installs our .deb
# into: debootstrap --variant=minbase plus the libraries and tools the
# package depends on and systemd (test_boot.py boots the root), cached
# under regress/.cache/pkg (git-ignored) and made again only when the
# package list below changes.
#
# usage: mkroot.sh      prints the root's path on stdout (progress on stderr)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PKG_CACHE:-$HERE/../.cache/pkg}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# what our package's Depends name, so that dpkg -i finds them there, and
# the init that test_boot.py boots
INCLUDE=adduser,systemd,libdb5.3,libssl3,libldap-2.5-0,libsasl2-2,libpam0g,m4,make,netbase,openssl,procmail
KEY=$(printf '%s %s' "$SUITE" "$INCLUDE" | md5sum | cut -c1-12)
ROOT=$CACHE/$SUITE-minbase-$KEY
if [ ! -e "$ROOT/.complete" ]; then
	command -v debootstrap >/dev/null || {
		echo "mkroot: no debootstrap (apt-get install debootstrap)" >&2
		exit 2
	}
	mkdir -p "$CACHE"
	rm -rf "$ROOT.tmp"
	echo "mkroot: debootstrap $SUITE into $ROOT (a few minutes)" >&2
	debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" \
	    "$ROOT.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
		tail -20 "$CACHE/debootstrap.log" >&2
		exit 1
	}
	# the package cache is not needed and is most of the size
	rm -f "$ROOT.tmp"/var/cache/apt/archives/*.deb
	touch "$ROOT.tmp/.complete"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
fi
echo "$ROOT"
