#!/bin/sh
# newaliases_bench.sh -- sendmail -bi on 100,000 aliases (deterministic:
# "userN: joe, bobN@example.net"), the real sendmail 8.17 against ours,
# in the hermetic world of regress/diff/oracle_env.py (CentOS 7 cf).
# RUNS runs each, interleaved; median wall and user+sys CPU; checks that
# both print the same summary line and build the same database (oracle's
# makemap -u, sorted).  Appends its table to regress/bench/README under
# "<!-- results -->" unless BENCH_README=- (print only).
#
# Postfix's postalias (regress/bench/postfix.sh) builds the same alias
# text in the same runs, outside the namespaces (it wants a network
# interface up; the wrapper's unshare, mounts and sh cost the two
# sendmails a few ms that postalias does not pay).
#
# Environment: BIN (our binaries, default ./bin), RUNS (5), N (100000),
# BENCH_README.  Target: ours at most postalias's time (issue 4).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$(dirname "$here")")
BIN=${BIN:-$repo/bin}
RUNS=${RUNS:-5}
N=${N:-100000}
README=${BENCH_README:-$here/README}

tmp=$(python3 -c "import sys; sys.path.insert(0, '$repo/regress/diff'); import oracle_env as o; print(o.make_tmp('nabench.'))")
trap 'rm -rf "$tmp"' EXIT
setup=$(python3 "$repo/regress/diff/oracle_env.py" setup "$tmp" centos7) || exit 77
root=$(echo "$setup" | sed -n 's/^root=//p')
prefix=$(echo "$setup" | sed -n 's/^prefix=//p')
cf=$(echo "$setup" | sed -n 's/^centos7=//p')
oracle=$root/usr/libexec/sendmail/sendmail
python3 -c "
for i in range($N): print('user%d: joe, bob%d@example.net' % (i, i))" > "$tmp/etc/aliases"
eval "$(sh "$here/postfix.sh")"
mkdir -p "$tmp/pa"
cp "$tmp/etc/aliases" "$tmp/pa/aliases"

nsscript='for f in hosts resolv.conf passwd group; do mount --bind "$0/$f" /etc/$f; done; hostname vm.example.test; cd "$0"; exec "$@"'
oenv="env -i PATH=/usr/bin:/bin LANG=C TZ=UTC LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu"
uenv="env -i PATH=/usr/bin:/bin LANG=C TZ=UTC"

one() {	# one who: prints "wall cpu"
	rm -f "$tmp/etc/aliases.db"
	if [ "$1" = postalias ]; then
		rm -f "$tmp/pa/aliases.db"
		/usr/bin/time -f "%e %U %S" -o "$tmp/time" env -i LD_LIBRARY_PATH="$PF_LIB" "$PF_ROOT/usr/sbin/postalias" -c "$PF_CONF" "hash:$tmp/pa/aliases"
		awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$tmp/time"
		return
	fi
	if [ "$1" = oracle ]; then e=$oenv; b=$oracle; else e=$uenv; b=$BIN/sendmail; fi
	/usr/bin/time -f "%e %U %S" -o "$tmp/time" $prefix sh -c "$nsscript" "$tmp" $e "$b" -C "$cf" -bi > "$tmp/out.$1"
	"$root/usr/libexec/sendmail/makemap" -C /dev/null -u hash "$tmp/etc/aliases" 2>/dev/null | sort > "$tmp/dump.$1" || true
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$tmp/time"
}
: > "$tmp/t.oracle"; : > "$tmp/t.ours"; : > "$tmp/t.postalias"
load0=$(cut -d' ' -f1 /proc/loadavg)
i=0
while [ $i -lt "$RUNS" ]; do
	one oracle >> "$tmp/t.oracle"
	one ours >> "$tmp/t.ours"
	[ -z "$PF_ROOT" ] || one postalias >> "$tmp/t.postalias"
	i=$((i + 1))
done
load1=$(cut -d' ' -f1 /proc/loadavg)
med() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
ow=$(med "$tmp/t.oracle" 1); oc=$(med "$tmp/t.oracle" 2)
uw=$(med "$tmp/t.ours" 1); uc=$(med "$tmp/t.ours" 2)
same=no
sed "s#$tmp#@TMP@#" "$tmp/out.oracle" > "$tmp/o1"; sed "s#$tmp#@TMP@#" "$tmp/out.ours" > "$tmp/o2"
cmp -s "$tmp/o1" "$tmp/o2" && cmp -s "$tmp/dump.oracle" "$tmp/dump.ours" && same=yes
pw=; pc=; prow=; pref="postalias took 0.24 s for the same input in perf-anchors.md"
target=0.24
if [ -s "$tmp/t.postalias" ]; then
	pw=$(med "$tmp/t.postalias" 1); pc=$(med "$tmp/t.postalias" 2)
	prow="| Postfix 3.7 postalias | $pw | $pc |"
	pref="postalias's median in this run, $pw s"
	target=$pw
fi
verdict="target missed"
awk -v u="$uw" -v t="$target" 'BEGIN { exit !(u <= t) }' && verdict="target met"
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "?")
table=$(cat <<EOT
## $(date -u +%Y-%m-%d), newaliases with $N aliases, median of $RUNS runs (commit $commit)

Machine: $(uname -sr), $(nproc) CPUs, load average $load0 before, $load1 after.
Both sendmails in the same namespaces, CentOS 7 cf, fresh aliases.db each
run (ours syncs it and renames it in; postalias fdatasyncs its own).

| binary | wall s | user+sys s |
|---|---|---|
| sendmail 8.17 (oracle) | $ow | $oc |
| ours (bin/sendmail) | $uw | $uc |
$prow
| sendmail / ours | $(awk -v a="$ow" -v b="$uw" 'BEGIN { printf "%.1fx", a / b }') | $(awk -v a="$oc" -v b="$uc" 'BEGIN { printf "%.1fx", a / b }') |

Summary line and database identical: $same.  Verdict: $verdict (target:
$pref).
EOT
)
echo "$table"
if [ "$README" != "-" ]; then
	python3 - "$README" "$table" <<'PY'
import sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
mark = "<!-- results -->\n"
i = text.index(mark) + len(mark)
open(path, "w").write(text[:i] + "\n" + table + "\n" + text[i:])
PY
fi
