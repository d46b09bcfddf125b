#!/usr/bin/env python3
"""Differential test of `sendmail -bt -C <cf>`: the real sendmail 8.17
(fetched by regress/oracle.sh) against ours, on the same cf and input.

Each cf is compiled with the oracle's sendmail-cf tree, its file paths are
rewritten into a temporary folder holding test maps (so nothing on the host
is read, /etc/hosts, resolv.conf, passwd and group included), and
regress/diff/bt/<name>.in is fed to both binaries inside
`unshare --uts --net --mount` with host name vm.example.test (an unqualified
name makes sendmail sleep 60 s; no network makes DNS fail fast and the same
way for both; /etc/hosts, resolv.conf, passwd and group are bind-mounted
from the temporary folder).  stdout and stderr are compared separately, byte for
byte, after the temporary folder's path is replaced by @TMP@.

Usage:
  bt_diff.py [--bin DIR] [name ...]       compare (default: all cfs); both
                                          transcripts land in --out
  bt_diff.py --oracle-only [--out DIR]    run only the oracle and store its
                                          transcripts (default regress/.cache/bt)
  bt_diff.py --keep ...                   keep the temporary folder

Prints one line per cf:
  PASS diff <name>: N/N lines matched
  FAIL diff <name>: M/N lines matched      (then the first differences)
  SKIP diff <name>: <reason>
Exit status: 0 all passed, 1 something failed, 77 everything skipped.
"""

import argparse
import difflib
import os
import shutil
import sys

from oracle_env import (CFS, REGRESS, REPO, Skip, build_cf, make_tmp,
                        make_tree, normalise, oracle_binary, oracle_env,
                        oracle_root, our_binary, ours_env, run_ns,
                        unshare_prefix)

HERE = os.path.dirname(os.path.abspath(__file__))
BT_DIR = os.path.join(HERE, "bt")
MAX_SHOWN = 12            # differing lines printed per cf

def run_bt(prefix, binary, cf, inp, env, tmp):
    """Run `binary -bt -C cf < inp` in fresh namespaces; (out, err, rc)."""
    with open(inp, "rb") as f:
        return run_ns(prefix, tmp, [binary, "-bt", "-C", cf], env, stdin=f)


def transcript(out, err, rc):
    """One comparable byte string: stdout, then stderr, then exit code."""
    return (out + b"\n===== stderr\n" + err +
            b"\n===== exit %d\n" % rc)


def prompts(line):
    """How many "> " prompts (one per input line read) start this line."""
    n = 0
    while line.startswith(b"> ", 2 * n):
        n += 1
    return n


def compare(name, want, got, inp):
    """Print the verdict for one cf; True when identical.

    Lines matched are counted over the longest common subsequence, so one
    extra line does not turn every later line into a mismatch."""
    a = want.split(b"\n")
    b = got.split(b"\n")
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(blk.size for blk in sm.get_matching_blocks())
    ok = want == got
    print("%s diff %s: %d/%d lines matched" %
          ("PASS" if ok else "FAIL", name, same, max(len(a), len(b))))
    if ok:
        return True
    with open(inp, "rb") as f:
        inlines = f.read().split(b"\n")
    shown = 0
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        # the input line being answered: prompts printed so far
        k = sum(prompts(x) for x in a[:i1 + 1])
        src = inlines[k - 1] if 0 < k <= len(inlines) else b"(banner)"
        print("  transcript line %d (input line %d: %r)" % (i1 + 1, k, src))
        for x in a[i1:min(i2, i1 + 6)]:
            print("    - %r" % x)
        for y in b[j1:min(j2, j1 + 6)]:
            print("    + %r" % y)
        shown += 1
        if shown >= MAX_SHOWN:
            print("  ...")
            break
    return False


def rel(path):
    return os.path.relpath(path, REPO)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--oracle-only", action="store_true")
    ap.add_argument("--out", default=os.path.join(REGRESS, ".cache", "bt"))
    ap.add_argument("--bin", help="folder holding our sendmail")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()
    names = opt.names or list(CFS)
    for n in names:
        if n not in CFS:
            ap.error("unknown cf %s (have %s)" % (n, ", ".join(CFS)))

    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
    except Skip as e:
        for n in names:
            print("SKIP diff %s: %s" % (n, e))
        return 77

    ours = our_binary(opt.bin)
    tmp = make_tmp("bt_diff.")
    results = []
    try:
        make_tree(root, tmp)
        for n in names:
            try:
                cf = build_cf(n, root, tmp)
            except Skip as e:
                print("SKIP diff %s: %s" % (n, e))
                results.append("skip")
                continue
            inp = os.path.join(BT_DIR, CFS[n][0] + ".in")
            oracle = oracle_binary(root)
            o, e, r = run_bt(prefix, oracle, cf, inp, oracle_env(root), tmp)
            want = transcript(normalise(o, tmp), normalise(e, tmp), r)
            if opt.oracle_only:
                os.makedirs(opt.out, exist_ok=True)
                dst = os.path.join(opt.out, n + ".oracle")
                with open(dst, "wb") as f:
                    f.write(want)
                nl = sum(1 for line in open(inp) if line.strip())
                print("ORACLE %s: %d input lines, %d transcript lines -> %s"
                      % (n, nl, want.count(b"\n"), dst))
                results.append("pass")
                continue
            if not os.access(ours, os.X_OK):
                print("FAIL diff %s: our binary %s is missing" % (n, ours))
                results.append("fail")
                continue
            o, e, r = run_bt(prefix, ours, cf, inp, ours_env(), tmp)
            got = transcript(normalise(o, tmp), normalise(e, tmp), r)
            # both transcripts stay in --out for a closer look
            os.makedirs(opt.out, exist_ok=True)
            for sfx, data in ((".oracle", want), (".ours", got)):
                with open(os.path.join(opt.out, n + sfx), "wb") as f:
                    f.write(data)
            ok = compare(n, want, got, inp)
            if not ok:
                print("  full transcripts: %s/%s.{oracle,ours}" %
                      (rel(opt.out), n))
            results.append("pass" if ok else "fail")
    finally:
        if opt.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if "fail" in results:
        return 1
    if results and all(r == "skip" for r in results):
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
