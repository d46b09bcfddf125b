#!/bin/sh
# bt_bench.sh -- benchmark of `sendmail -bt -C <CentOS 7 cf>` on 10,000
# "3,0 <address>" lines: the real sendmail 8.17 (regress/oracle.sh) against
# our bin/sendmail.  A benchmark, never a test: `make bench` runs it, `make
# check` does not, and nothing here fails on a slow result.
#
# Same hermetic world as regress/diff/bt_diff.py (regress/diff/oracle_env.py:
# cf compiled with the oracle's sendmail-cf, paths rewritten into a temporary
# folder, files-only service switch, `unshare --uts --net --mount` with host
# name vm.example.test and /etc/hosts, passwd, group, resolv.conf
# bind-mounted).  Each binary runs RUNS times (default 5), interleaved; the
# table gives the median wall time and the median user+sys CPU time, and
# the ratio.  With valgrind installed, one callgrind run of each counts
# instructions (perf stat -e instructions is used instead when the CPU
# exposes the counter).  Both transcripts are compared too: a fast wrong
# answer is no result.
#
# Environment: BIN (folder of our sendmail, default ./bin), RUNS (5),
# LINES (10000), CALLGRIND (1; 0 skips the instruction counts),
# BENCH_README (where the table is written, default regress/bench/README;
# "-" only prints it).
#
# Exit status: 0 measured (whatever the speed), 77 oracle or namespaces
# unavailable, 1 something broke.

set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$repo/bin}
RUNS=${RUNS:-5}
LINES=${LINES:-10000}
CALLGRIND=${CALLGRIND:-1}
README=${BENCH_README:-$here/README}
ours=$BIN/sendmail

die() { echo "bt_bench: $*" >&2; exit 1; }

[ -x "$ours" ] || die "our binary $ours is missing (run make)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed"
if nm -D "$ours" 2>/dev/null | grep -q __asan_init; then
	echo "bt_bench: WARNING: $ours is a sanitizer build; run make first" >&2
fi

mkdir -p "$repo/regress/.cache/tmp" || die "cannot create regress/.cache/tmp"
# not under /tmp: sendmail refuses files below a world-writable folder
tmp=$(mktemp -d "$repo/regress/.cache/tmp/bt_bench.XXXXXX") || die "mktemp"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

setup=$(python3 "$repo/regress/diff/oracle_env.py" setup "$tmp" centos7)
rc=$?
if [ $rc -eq 77 ]; then
	echo "SKIP bench bt: oracle or namespaces unavailable" >&2
	exit 77
fi
[ $rc -eq 0 ] || die "oracle_env.py setup failed"
root=$(printf '%s\n' "$setup" | sed -n 's/^root=//p')
prefix=$(printf '%s\n' "$setup" | sed -n 's/^prefix=//p')
cf=$(printf '%s\n' "$setup" | sed -n 's/^centos7=//p')
oracle=$root/usr/libexec/sendmail/sendmail
libpath=$root/usr/lib/x86_64-linux-gnu

# ---- the input: LINES deterministic, varied addresses
awk -v n="$LINES" 'BEGIN {
	split("root joe bob smmsp mail nobody postmaster nosuchuser Joe.User j_doe", lu, " ")
	split("example.test vm.example.test localhost mail.example.test [192.0.2.2]", lh, " ")
	split("remote.example mt.example a.sub.mt.example err.example virt.example friend.example mx.example.test uucp.example relaydom.example bad.example plus.example example.org", rh, " ")
	split("info sales nobody bob anyone", vu, " ")
	s = 12345
	for (i = 0; i < n; i++) {
		s = (s * 1103515245 + 12345) % 2147483648
		r = int(s / 65536)
		u = lu[1 + r % 10]; l = lh[1 + int(r / 10) % 5]
		h = rh[1 + int(r / 50) % 12]; v = vu[1 + int(r / 600) % 5]
		k = i % 16
		if (k == 0)       a = u
		else if (k == 1)  a = u "@" l
		else if (k == 2)  a = "user" i "@" h
		else if (k == 3)  a = "Some Body <" u i "@" h ">"
		else if (k == 4)  a = "@relay" r % 7 ".example:" u "@" h
		else if (k == 5)  a = "@a.example,@b.example:" u "@" h
		else if (k == 6)  a = u "%" h "@" l
		else if (k == 7)  a = u "%" h "%" rh[1 + (r + 3) % 12] "@" l
		else if (k == 8)  a = h "!" u
		else if (k == 9)  a = "uuhost!" h "!" u i
		else if (k == 10) a = v "@" (r % 2 ? "example.test" : "virt.example")
		else if (k == 11) a = u "@[192.0.2." r % 255 "]"
		else if (k == 12) a = "\"" u " " i "\"@" h
		else if (k == 13) a = u i "@" h " (comment " i ")"
		else if (k == 14) a = "<" u "@" l ">"
		else              a = u "+tag" i "@" l
		print "3,0 " a
	}
}' > "$tmp/bt.in" || die "cannot write the input"

# ---- timing: one run of $1 (oracle|ours); prints "wall user sys"
run_once() {
	who=$1 out=$2
	if [ "$who" = oracle ]; then
		set -- "$oracle"; lp=$libpath
	else
		set -- "$ours"; lp=
	fi
	# shellcheck disable=SC2086
	env ${lp:+LD_LIBRARY_PATH="$lp"} $prefix sh -c '
		t=$1; shift; out=$1; shift
		for f in hosts resolv.conf passwd group; do
			mount --bind "$t/$f" "/etc/$f" || exit 125
		done
		hostname vm.example.test && cd "$t" || exit 125
		exec /usr/bin/time -f "%e %U %S" -o "$t/time" "$@" <"$t/bt.in" >"$out" 2>&1
	' sh "$tmp" "$out" "$@" -bt -C "$cf" || return 1
	cat "$tmp/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$tmp/oracle.times"; : >"$tmp/ours.times"
i=1
while [ $i -le "$RUNS" ]; do
	for who in oracle ours; do
		t=$(run_once $who "$tmp/$who.out") || die "$who run $i failed"
		echo "$t" >>"$tmp/$who.times"
		echo "run $i $who: wall/user/sys $t" >&2
	done
	i=$((i + 1))
done

same=no
cmp -s "$tmp/oracle.out" "$tmp/ours.out" && same=yes
o_wall=$(awk '{ print $1 }' "$tmp/oracle.times" | median)
o_cpu=$(awk '{ print $2 + $3 }' "$tmp/oracle.times" | median)
u_wall=$(awk '{ print $1 }' "$tmp/ours.times" | median)
u_cpu=$(awk '{ print $2 + $3 }' "$tmp/ours.times" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "inf" }'; }
r_wall=$(ratio "$o_wall" "$u_wall")
r_cpu=$(ratio "$o_cpu" "$u_cpu")

# ---- instructions: perf stat when the CPU exposes the counter, else callgrind
count_instr() {
	who=$1
	if [ "$who" = oracle ]; then
		set -- "$oracle"; lp=$libpath
	else
		set -- "$ours"; lp=
	fi
	case $icount in
	perf) tool='perf stat -x, -e instructions:u -o "$t/icount"' ;;
	callgrind) tool='valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$t/icount"' ;;
	esac
	# shellcheck disable=SC2086
	env ${lp:+LD_LIBRARY_PATH="$lp"} $prefix sh -c '
		t=$1; shift
		for f in hosts resolv.conf passwd group; do
			mount --bind "$t/$f" "/etc/$f" || exit 125
		done
		hostname vm.example.test && cd "$t" || exit 125
		exec '"$tool"' "$@" <"$t/bt.in" >/dev/null 2>&1
	' sh "$tmp" "$@" -bt -C "$cf" || return 1
	case $icount in
	perf) awk -F, '/instructions/ { print $1 }' "$tmp/icount" ;;
	callgrind) sed -n 's/.*Collected : *//p' "$tmp/icount" | tr -d , ;;
	esac
}
icount=none
if [ "$CALLGRIND" != 0 ]; then
	if command -v perf >/dev/null 2>&1 &&
	    perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9]'; then
		icount=perf
	elif command -v valgrind >/dev/null 2>&1; then
		icount=callgrind
	fi
fi
o_ins=- u_ins=- r_ins=-
if [ $icount != none ]; then
	echo "counting instructions with $icount (one run each)" >&2
	o_ins=$(count_instr oracle) || o_ins=-
	u_ins=$(count_instr ours) || u_ins=-
	case $o_ins$u_ins in
	*[!0-9]*|'') r_ins=- ;;
	*) r_ins=$(ratio "$o_ins" "$u_ins") ;;
	esac
fi

nl=$(wc -l <"$tmp/bt.in" | tr -d ' ')
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -1)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
date=$(date -u +%Y-%m-%d)
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')
verdict="target met (ours <= 1/5 of sendmail's wall time)"
awk -v a="$o_wall" -v b="$u_wall" 'BEGIN { exit !(b * 5 <= a) }' ||
	verdict="target NOT met (ours > 1/5 of sendmail's wall time)"

table=$(cat <<EOF
## $date, $nl \`3,0\` lines, median of $RUNS runs (commit $rev)

Machine: $(uname -sr), $cpu, $ncpu CPUs.  Both binaries in the same
namespaces, files-only host switch, output to a file.

| binary | wall s | user+sys s | instructions ($icount) |
|---|---|---|---|
| sendmail 8.17 (oracle) | $o_wall | $o_cpu | $o_ins |
| ours (bin/sendmail) | $u_wall | $u_cpu | $u_ins |
| sendmail / ours | $r_wall | $r_cpu | $r_ins |

Transcripts identical: $same.  Verdict: $verdict.
EOF
)
printf '%s\n' "$table"

if [ "$README" != - ]; then
	if [ -f "$README" ] && grep -q '^<!-- results -->' "$README"; then
		# keep the text above the marker, newest result first
		{
			sed '/^<!-- results -->/q' "$README"
			echo
			printf '%s\n' "$table"
			sed '1,/^<!-- results -->/d' "$README"
		} >"$tmp/README.new" && cat "$tmp/README.new" >"$README"
	else
		echo "bt_bench: $README has no <!-- results --> marker; not written" >&2
	fi
fi
exit 0
