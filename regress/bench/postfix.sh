#!/bin/sh
# postfix.sh -- Postfix 3.7's tools for the map benchmarks: `apt-get
# download postfix` unpacked (dpkg -x, never installed) into
# regress/.cache/postfix with a minimal main.cf, so that postmap and
# postalias run as the speed reference beside our makemap/newaliases.
#
# usage: eval "$(sh regress/bench/postfix.sh)"
# Prints PF_ROOT=, PF_CONF= and PF_LIB= lines; PF_ROOT is empty when the
# package cannot be had (the benchmarks then leave Postfix out).
set -u
here=$(cd "$(dirname "$0")" && pwd)
PF=$(dirname "$here")/.cache/postfix
if [ ! -x "$PF/root/usr/sbin/postmap" ]; then
	mkdir -p "$PF"
	(cd "$PF" && apt-get download postfix >/dev/null 2>&1 &&
	    dpkg -x postfix_*.deb root) || true
fi
if [ -x "$PF/root/usr/sbin/postmap" ]; then
	mkdir -p "$PF/conf"
	# a host name given, so no tool stalls on a name lookup
	printf '%s\n' 'compatibility_level = 3.6' 'mail_owner = daemon' \
	    'setgid_group = mail' 'myhostname = bench.example.test' \
	    'mydomain = example.test' > "$PF/conf/main.cf"
	echo "PF_ROOT=$PF/root"
else
	echo "PF_ROOT="
fi
echo "PF_CONF=$PF/conf"
echo "PF_LIB=$PF/root/usr/lib/postfix"
