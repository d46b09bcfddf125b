#!/usr/bin/env python3
"""Differential test of the statistics file, mailstats and the host status
listing against the real sendmail 8.17 (regress/oracle.sh), in
oracle_env.py's hermetic world (CentOS 7 cf, local mailer replaced by a
script):

  from-oracle-*  the real sendmail delivers messages (-odi, -odq then -qf,
                 an SMTP session with a rejected and a discarded sender)
                 into its StatusFile; the real mailstats and ours print it
                 (default, -o, -P, -f) and must agree byte for byte
  from-ours-*    our sendmail does the same into a fresh file; the real
                 mailstats prints ours as it printed the oracle's (the
                 start time lines masked)
  crafted-*      files and cfs made here: empty, wrong magic, version or
                 size, missing, no StatusFile, the old "OS" option, -p
  hoststat-*     a HostStatusDirectory made here, listed (-bh, -bh -v,
                 the hoststat name) and purged (-bH) by both; the "How
                 long ago" column is masked (the runs are a second apart)

Usage: stats_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff stats-<case>: ... lines (see run_tests.py).
"""

import argparse
import os
import re
import shutil
import struct
import sys
import time

from oracle_env import (Skip, centos_world, oracle_binary, oracle_env,
                        our_binary, ours_env, run_ns, verdict, write)

LOCAL_SH = """#!/bin/sh
for u; do :; done
cat >> '%s'/"$u"
"""

SMALL = b"Subject: small\n\nhello\n"
BIG = (b"Subject: big\n\n" + (b"y" * 99 + b"\n") * 39 + b"z" * 89 + b"\n")
SMTP = (b"EHLO client.example\r\n"
        b"MAIL FROM:<spammer@bad.example>\r\n"
        b"MAIL FROM:<someone@example.org>\r\n"
        b"RCPT TO:<joe>\r\nDATA\r\nSubject: smtp\r\n\r\nbody\r\n.\r\n"
        b"MAIL FROM:<nice@example.org>\r\n"
        b"RCPT TO:<joe>\r\nDATA\r\nSubject: gone\r\n\r\nbody\r\n.\r\n"
        b"QUIT\r\n")

MAILSTATS_ARGS = {
    "default": [],
    "names-off": ["-o"],
    "program": ["-P"],
    "file-flag": ["-f", "@ST@"],
}


def tool(root, ours, name):
    if ours:
        return os.path.join(ours, name)
    return os.path.join(root, "usr/libexec/sendmail", name)


def run(prefix, tmp, argv, env, stdin=None):
    out, err, rc = run_ns(prefix, tmp, argv, env, stdin=stdin)
    return (out + b"===== stderr\n" + err + b"===== exit %d" % rc).split(
        b"\n")


def mask_now(lines):
    """-P's first line: the start, and now (which moves)."""
    return [re.sub(rb"^(\d+) \d+$", rb"\1 NOW", x) for x in lines]


def mask_start(lines):
    lines = [re.sub(rb"^Statistics from .*", b"Statistics from START", x)
             for x in lines]
    return [re.sub(rb"^\d+ \d+$", b"START NOW", x) for x in lines]


def make_cf(tmp, base, name, stfile, qdir, out):
    script = os.path.join(tmp, "local-%s.sh" % name)
    write(script, LOCAL_SH % out)
    os.chmod(script, 0o755)
    t = re.sub(r"(?m)^O QueueDirectory=.*$", "O QueueDirectory=" + qdir, base)
    t = re.sub(r"(?m)^O StatusFile=.*$", "O StatusFile=" + stfile, t)
    t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) + script +
               ",", t, count=1)
    t = t.replace("A=procmail -t -Y -a $h -d $u", "A=local.sh $u", 1)
    cf = os.path.join(tmp, name + ".cf")
    write(cf, t)
    return cf


def traffic(prefix, tmp, binary, env, cf):
    """The same messages through either sendmail."""
    run_ns(prefix, tmp, [binary, "-C", cf, "-odi", "joe"], env, stdin=SMALL)
    run_ns(prefix, tmp, [binary, "-C", cf, "-odi", "joe", "bob"], env,
           stdin=BIG)
    run_ns(prefix, tmp, [binary, "-C", cf, "-odq", "bob"], env, stdin=BIG)
    run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], env)
    run_ns(prefix, tmp, [binary, "-C", cf, "-bs", "-odq"], env, stdin=SMTP)
    run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], env)


def stats_cases(root, prefix, tmp, base, ours_bin):
    res = {}
    files = {}
    for who in ("oracle", "ours"):
        st = os.path.join(tmp, "statistics-" + who)
        write(st, "")
        qdir = os.path.join(tmp, "q-" + who)
        os.makedirs(qdir)
        out = os.path.join(tmp, "out-" + who)
        os.makedirs(out)
        cf = make_cf(tmp, base, who, st, qdir, out)
        binary = oracle_binary(root) if who == "oracle" else \
            os.path.join(ours_bin, "sendmail")
        traffic(prefix, tmp, binary, oracle_env(root) if who == "oracle"
                else ours_env(), cf)
        files[who] = (cf, st)
    cf, st = files["oracle"]
    for name, args in MAILSTATS_ARGS.items():
        a = [x.replace("@ST@", st) for x in args]
        want = run(prefix, tmp, [tool(root, None, "mailstats"), "-C", cf]
                   + a, oracle_env(root))
        got = run(prefix, tmp, [tool(root, ours_bin, "mailstats"), "-C",
                                cf] + a, ours_env())
        res["from-oracle-" + name] = (mask_now(want), mask_now(got))
    ocf, ost = files["ours"]
    for name, args in MAILSTATS_ARGS.items():
        want = run(prefix, tmp, [tool(root, None, "mailstats"), "-C", cf] +
                   [x.replace("@ST@", st) for x in args], oracle_env(root))
        got = run(prefix, tmp, [tool(root, None, "mailstats"), "-C", ocf] +
                  [x.replace("@ST@", ost) for x in args], oracle_env(root))
        res["from-ours-" + name] = (mask_start(want), mask_start(got))
    return res


def stat_bytes(magic=0x1B1DE, version=4, size=1448, itime=1795520000,
               total=1448):
    b = bytearray(1448)
    struct.pack_into("<iiqh", b, 0, magic, version, itime, size)
    struct.pack_into("<qqq", b, 24, 3, 4, 5)
    for arr, mno, v in ((0, 4, 7), (1, 4, 12), (2, 9, 7), (3, 9, 11),
                        (4, 4, 2), (5, 9, 1), (6, 3, 1)):
        struct.pack_into("<q", b, 48 + arr * 200 + mno * 8, v)
    return bytes(b[:total])


CRAFTED = {
    "good": (stat_bytes(), ["-C", "@CF@"]),
    "good-program": (stat_bytes(), ["-C", "@CF@", "-P"]),
    "empty": (b"", ["-C", "@CF@", "-P"]),
    "bad-magic": (stat_bytes(magic=0x1234), ["-C", "@CF@"]),
    "bad-version": (stat_bytes(version=3), ["-C", "@CF@"]),
    "bad-size-field": (stat_bytes(size=1440), ["-C", "@CF@"]),
    "short": (stat_bytes(total=600), ["-C", "@CF@"]),
    "missing": (None, ["-C", "@CF@"]),
    "missing-cf": (stat_bytes(), ["-C", "@TMP@/nonexistent.cf"]),
    "no-statusfile": (stat_bytes(), ["-C", "@NOST@"]),
    "old-os-option": (stat_bytes(), ["-C", "@OS@"]),
    "usage": (stat_bytes(), ["-C", "@CF@", "extra"]),
    "truncate": (stat_bytes(), ["-C", "@CF@", "-p"]),
}


def crafted_cases(root, prefix, tmp, base, ours_bin):
    res = {}
    for name, (data, args) in CRAFTED.items():
        out = {}
        for who in ("oracle", "ours"):
            d = os.path.join(tmp, "crafted-%s-%s" % (name, who))
            os.makedirs(d)
            st = os.path.join(d, "statistics")
            if data is not None:
                with open(st, "wb") as f:
                    f.write(data)
            cf = make_cf(tmp, base, "crafted-%s-%s" % (name, who), st,
                         d, d)
            nost = os.path.join(d, "nost.cf")
            write(nost, "V10\nMlocal, P=/bin/true\n")
            os_cf = os.path.join(d, "os.cf")
            write(os_cf, "Mesmtp, P=[IPC]\nMlocal, P=x\nOS" + st + "\n")
            a = [x.replace("@CF@", cf).replace("@NOST@", nost)
                 .replace("@OS@", os_cf).replace("@TMP@", d) for x in args]
            env = oracle_env(root) if who == "oracle" else ours_env()
            lines = run(prefix, tmp, [tool(root, None if who == "oracle"
                                           else ours_bin, "mailstats")] + a,
                        env)
            lines = [x.replace(d.encode(), b"@DIR@") for x in lines]
            lines = [re.sub(rb"^\S*mailstats: (invalid|unknown)",
                            rb"mailstats: \1", x) for x in lines]
            if data is not None and os.path.exists(st):
                lines.append(b"size after: %d" % os.path.getsize(st))
            # an empty file: its start is "now" after a second's wait
            out[who] = mask_start(lines) if name == "empty" else \
                mask_now(lines)
        res["crafted-" + name] = (out["oracle"], out["ours"])
    return res


def hoststat_tree(d, now):
    recs = {
        "2./0./0./127": "V0\nE111\nH0\nS75\nD4.4.1\nU%d\n.\n" % (now - 6),
        "com./example./mx": "V0\nE0\nH0\nS0\nD2.0.0\nR250 2.0.0 Ok: queued "
                            "as 12345 with a long text\nU%d\n.\n" %
                            (now - 90061),
        "com./example./mail": "V0\nE0\nH0\nS67\nD5.1.1\nU%d\n.\n" %
                              (now - 3700),
        "test./okerr": "V0\nE110\nH0\nS0\nU%d\n.\n" % now,
        "weird": "V0\nE0\nH0\nS99\nU%d\n.\n" % now,
        "badver": "V1\nE0\nS0\nU%d\n.\n" % now,
        "a.very.long.host.name.in.one.label.example.org.x":
            "V0\nE0\nH0\nS0\nU%d\n.\n" % now,
    }
    for rel, text in recs.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        write(p, text)
    old = time.time() - 7200
    for rel in ("weird", "2./0./0./127", "2./0./0.", "2./0.",
                "com./example./mx"):
        os.utime(os.path.join(d, rel), (old, old))


def mask_ago(lines):
    return [re.sub(rb"^([ *]\S+ +)\S+ ", rb"\1<ago> ", x)
            if not x.startswith(b" ---") else x for x in lines]


def hoststat_cases(root, prefix, tmp, base, ours_bin):
    res = {}
    now = int(time.time())
    src = os.path.join(tmp, "hs-src")
    hoststat_tree(src, now)
    os.makedirs(os.path.join(tmp, "q-hs"))
    cf = make_cf(tmp, base, "hs", os.path.join(tmp, "nostats"),
                 os.path.join(tmp, "q-hs"), tmp)
    for name, args in (("list", ["-bh"]), ("list-verbose", ["-bh", "-v"]),
                       ("name", ["@HOSTSTAT@"]), ("purge", ["-bH"])):
        out = {}
        for who in ("oracle", "ours"):
            d = os.path.join(tmp, "hs-%s-%s" % (name, who))
            shutil.copytree(src, d, copy_function=shutil.copy2)
            binary = oracle_binary(root) if who == "oracle" else \
                os.path.join(ours_bin, "sendmail")
            argv = [binary, "-C", cf, "-OHostStatusDirectory=" + d] + args
            if args == ["@HOSTSTAT@"]:
                argv = [os.path.join(os.path.dirname(binary), "hoststat")] \
                    + argv[1:-1]
            env = oracle_env(root) if who == "oracle" else ours_env()
            lines = mask_ago(run(prefix, tmp, argv, env))
            lines = [x.replace(d.encode(), b"@DIR@") for x in lines]
            # -v: sendmail shortens a long path in its message (ours not)
            lines = [re.sub(rb"^\S*/badver: line", b"@DIR@/badver: line",
                            x) for x in lines]
            if name == "purge":
                for top, dirs, files in sorted(os.walk(d)):
                    for f in sorted(dirs + files):
                        lines.append(os.path.relpath(os.path.join(top, f),
                                                     d).encode())
            out[who] = lines
        res["hoststat-" + name] = (out["oracle"], out["ours"])
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    try:
        root, prefix, tmp, basecf = centos_world("stats_diff.")
        with open(basecf) as f:
            base = f.read()
    except Skip as e:
        print("SKIP diff stats: %s" % e)
        return 0
    ours_bin = os.path.abspath(args.bin)
    if not os.path.exists(os.path.join(ours_bin, "mailstats")):
        print("SKIP diff stats: no %s/mailstats" % ours_bin)
        return 0
    os.chmod(tmp, 0o755)
    res = {}
    res.update(stats_cases(root, prefix, tmp, base, ours_bin))
    res.update(crafted_cases(root, prefix, tmp, base, ours_bin))
    res.update(hoststat_cases(root, prefix, tmp, base, ours_bin))
    failed = 0
    for name, (want, got) in res.items():
        if args.cases and name not in args.cases:
            continue
        failed += verdict("stats-" + name, want, got, show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
