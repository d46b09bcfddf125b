#!/bin/sh
# maptools_bench.sh -- makemap against sendmail 8.17's makemap (and
# Postfix's postmap when it can be fetched): a hash map of 1,000,000
# access-style lines, its `makemap -u` dump, and a lookup loop through
# our map layer (open once, 1,000,000 lookups).  Never part of make check.
#
# usage: sh regress/bench/maptools_bench.sh
# Environment: BIN (our binaries, default bin/), RUNS (3), LINES
# (1000000), BENCH_README ("-": print the table, don't touch README).
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$REPO/bin}
RUNS=${RUNS:-3}
LINES=${LINES:-1000000}
README=${BENCH_README:-$REPO/regress/bench/README}
# not below /tmp: sendmail's makemap warns about world-writable folders
W=$REPO/regress/.cache/bench-maps
mkdir -p "$W"
cd "$W"

ORACLE=$(sh "$REPO/regress/oracle.sh" | tail -n 1)
SMROOT=${ORACLE%/usr/libexec/sendmail/sendmail}
SMLIB=$SMROOT/usr/lib/x86_64-linux-gnu
SMMM=$SMROOT/usr/libexec/sendmail/makemap
[ -x "$BIN/makemap" ] || { echo "no $BIN/makemap: run make" >&2; exit 1; }

# Postfix, unpacked (never installed) for postmap
eval "$(sh "$REPO/regress/bench/postfix.sh")"
POSTMAP=
[ -n "$PF_ROOT" ] && POSTMAP=$PF_ROOT/usr/sbin/postmap

if [ ! -s access ] || [ "$(wc -l < access)" -ne "$LINES" ]; then
	awk -v n="$LINES" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = i % 4
			if (k == 0) printf "From:user%07d@example%d.test\tREJECT\n", i, i % 97
			else if (k == 1) printf "Connect:10.%d.%d.%d\tRELAY\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
			else if (k == 2) printf "To:dom%07d.example.test\tOK\n", i
			else printf "Connect:host%07d.example.net\tERROR:\"550 go away %d\"\n", i, i
		}
	}' > access
fi

# timed CMD...: prints "wall_s maxrss_kb cpu_s" (cpu: user + sys)
timed() {
	/usr/bin/time -f "%e %M %U %S" -o time.out "$@"
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' time.out
}
# dumped OUT CMD...: runs CMD > OUT, prints as timed
dumped() {
	out=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o time.out "$@" > "$out"
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' time.out
}

median() {	# numbers on stdin
	sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# the lookup loop: our map layer, one open, LINES lookups of known keys
cat > lookup_bench.c <<'CEOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "map/map.h"
int
main(int argc, char **argv)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf v, line;
	struct timespec a, b;
	char **keys = NULL, k[512];
	size_t n = 0, cap = 0, i, found = 0;
	FILE *f = fopen(argv[2], "r");
	int st;

	if (argc != 3 || f == NULL)
		return 2;
	while (fscanf(f, "%511s%*[^\n]", k) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			keys = realloc(keys, cap * sizeof(*keys));
		}
		keys[n++] = strdup(k);
	}
	fclose(f);
	buf_init(&v, 0);
	buf_init(&line, 0);
	buf_printf(&line, "-O %s", argv[1]);
	m = map_declare(set, "access", "hash", buf_cstr(&line), &err);
	if (m == NULL || map_open(m, O_RDONLY, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (map_lookup(m, keys[(i * 7919) % n], NULL, 0, &v, &st,
		    &err) == MAP_FOUND)
			found++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%zu %zu %.3f\n", n, found,
	    ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return 0;
}
CEOF
make -C "$REPO" -s all >/dev/null 2>&1 || true
cc -O2 -D_GNU_SOURCE -I"$REPO/src" -o lookup_bench lookup_bench.c \
    "$REPO/obj/opt/libcf.a" "$REPO/obj/opt/libmap.a" \
    "$REPO/obj/opt/libaddr.a" "$REPO/obj/opt/liblib.a" -ldb -lresolv \
    $(pkg-config --libs ldap 2>/dev/null || echo -lldap -llber) 2>/dev/null ||
    echo "lookup_bench did not build" >&2

: > res.txt
load0=$(cut -d' ' -f1 /proc/loadavg)
r=1
while [ "$r" -le "$RUNS" ]; do
	rm -f sm.db ours.db pf pf.db
	sync
	echo "sm build $(LD_LIBRARY_PATH=$SMLIB timed "$SMMM" -C /dev/null hash sm < access)" >> res.txt
	echo "ours build $(timed "$BIN/makemap" -C /dev/null hash ours < access)" >> res.txt
	echo "sm dump $(LD_LIBRARY_PATH=$SMLIB dumped sm.dump "$SMMM" -C /dev/null -u hash sm)" >> res.txt
	echo "ours dump $(dumped ours.dump "$BIN/makemap" -C /dev/null -u hash ours)" >> res.txt
	cmp -s sm.dump ours.dump || echo "WARNING: dumps differ" >&2
	[ "$(wc -l < ours.dump)" -eq "$LINES" ] || echo "WARNING: dump has $(wc -l < ours.dump) lines" >&2
	if [ -n "$POSTMAP" ]; then
		cp access pf
		echo "pf build $(LD_LIBRARY_PATH=$PF_LIB timed "$POSTMAP" -c "$PF_CONF" hash:pf)" >> res.txt
		echo "pf dump $(LD_LIBRARY_PATH=$PF_LIB dumped pf.dump "$POSTMAP" -c "$PF_CONF" -s hash:pf)" >> res.txt
	fi
	if [ -x lookup_bench ]; then
		echo "ours lookup $(./lookup_bench "$W/ours" access)" >> res.txt
	fi
	r=$((r + 1))
done

val() {	# who test field(1 wall, 2 rss, 3 cpu)
	awk -v w="$1" -v t="$2" -v f="$3" '$1 == w && $2 == t { print $(2 + f) }' res.txt | median
}
row() {	# label who test
	w=$(val "$2" "$3" 1)
	[ -n "$w" ] || return 0
	printf '| %s | %s | %s | %.1f |\n' "$1" "$w" "$(val "$2" "$3" 3)" \
	    "$(echo "$(val "$2" "$3" 2) / 1024" | bc -l)"
}
load1=$(cut -d' ' -f1 /proc/loadavg)
# the issue's targets: build <= postmap's time and <= 2x sendmail's RSS,
# dump <= sendmail's time
verdict() {
	ob=$(val ours build 1); or=$(val ours build 2)
	sb=$(val sm build 1); sr=$(val sm build 2); sd=$(val sm dump 1)
	od=$(val ours dump 1); pb=$(val pf build 1)
	oc=$(val ours build 3); pc=$(val pf build 3)
	awk -v ob="$ob" -v or="$or" -v sr="$sr" -v sd="$sd" -v od="$od" \
	    -v pb="$pb" -v oc="$oc" -v pc="$pc" 'BEGIN {
		printf "Build: ours %s s", ob
		if (pb != "") printf ", postmap %s s (ours/postmap %.2f: %s;" \
		    " user+sys %.2f)", pb, ob / pb, ob <= pb ? "met" : "missed",
		    oc / pc
		printf "; peak RSS %.1f MiB against 2 x sendmail'"'"'s %.1f MiB: %s.\n",
		    or / 1024, 2 * sr / 1024, or <= 2 * sr ? "met" : "missed"
		printf "Dump: ours %s s against sendmail'"'"'s %s s: %s.\n", od, sd,
		    od <= sd ? "met" : "missed"
	}'
}
TABLE=$(mktemp)
{
	echo
	echo "## $(date +%Y-%m-%d), makemap hash of $LINES access lines, median of $RUNS runs (commit $(git -C "$REPO" rev-parse --short HEAD))"
	echo
	echo "Machine: $(uname -sr), $(nproc) CPUs, load average $load0 before, $load1 after."
	echo "Files under regress/.cache (ext4/overlay), page cache warm; runs interleaved."
	echo
	echo "| run | wall s | user+sys s | peak RSS MiB |"
	echo "|---|---|---|---|"
	row "sendmail 8.17 makemap hash" sm build
	row "ours makemap hash" ours build
	row "Postfix 3.7 postmap hash:" pf build
	row "sendmail 8.17 makemap -u" sm dump
	row "ours makemap -u" ours dump
	row "Postfix 3.7 postmap -s" pf dump
	echo
	verdict
	lk=$(awk '$1 == "ours" && $2 == "lookup" { print $5 }' res.txt | median)
	if [ -n "$lk" ]; then
		echo
		echo "Lookups through map_lookup (hash, opened once, $LINES known keys in a scattered order): $lk µs per lookup."
	fi
} > "$TABLE"
cat "$TABLE"
if [ "$README" != "-" ]; then
	if ! grep -q '^<!-- maptools results -->' "$README"; then
		printf '\n<!-- maptools results -->\n' >> "$README"
	fi
	awk -v f="$TABLE" '{ print } /^<!-- maptools results -->/ {
		while ((getline l < f) > 0) print l }' "$README" > "$README.new"
	mv "$README.new" "$README"
fi
rm -f "$TABLE"
