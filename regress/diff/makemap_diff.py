#!/usr/bin/env python3
"""Differential test of makemap and editmap: the real sendmail 8.17 tools
(regress/oracle.sh) against ours (bin/makemap, bin/editmap).

Build cases: the same input and flags go to both makemaps (each builds its
own file, in its own folder, under the same map name, umask 022).  Compared,
byte for byte: stdout (-v), stderr, exit status and file mode of the two
builds, and the `makemap -u` dump of each file by each tool (four dumps, all
equal to the oracle's dump of its own file).  The files are then looked up
by the real sendmail (`-bt`, `/map` of every key of every case plus a few
missing ones, in `unshare` namespaces as oracle_env.py runs it): the answers
for our file must equal those for the oracle's.

Invocation cases: usage errors, -l, -x, unknown/unavailable types, missing
cf, missing map, wrong type, symbolic and hard links, a world-writable
folder.  Editmap cases: a series of -q/-u/-x calls on copies of one map,
outputs, statuses and the final dump compared.  kill9: our makemap is
SIGKILLed while rebuilding a map from 200,000 lines; the old map must still
dump in full with both tools (we build into a temporary file and rename).

switch: `K<name> switch <service>` maps under service switch files of
different shapes (several methods, a later line for the same service,
lines led by white space or without methods, "aliases:", nsswitch's
"[NOTFOUND=return]", CRs); the real sendmail's and our `-bt` transcripts
of `/map` lookups must be identical.

Usage: makemap_diff.py [--bin DIR] [--keep] [case ...]
Prints `PASS diff makemap-<case>: N/N lines matched`, FAIL with the first
differences, or SKIP with the reason.  Exit 0, 1 on a failure, 77 all skipped.
"""

import argparse
import difflib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

from oracle_env import (GROUP, HOSTS, PASSWD, REPO, RESOLV, Skip, make_tmp,
                        oracle_env, oracle_root, ours_env, run_ns,
                        unshare_prefix, write)

LONG_KEY = "k" * 300
LONG_VAL = "v" * 700

BASIC = (b"Key1 value one\n# comment\n\nkey2\t  val  two  \n  lead space\n"
         b"KEY1 dup\nnovalue\nnovalue2   \npct %% x %s %\n%%k v\n"
         b"tab\tsep\tmore\n#x y\n \t\nMiXeD CaSe Value\nlast noeol")

# (name, type, flags, input)
BUILDS = [
    ("plain-hash", "hash", [], BASIC),
    ("plain-btree", "btree", [], BASIC),
    ("verbose", "hash", ["-v"], BASIC),
    ("nul", "hash", ["-N"], BASIC),
    ("nul-btree", "btree", ["-N", "-v"], BASIC),
    ("nofold", "hash", ["-f"], BASIC),
    ("nofold-nul", "btree", ["-f", "-N"], BASIC),
    ("dups-btree", "btree", ["-d", "-v"], b"k1 v1\nk1 v2\nk2 v3\nk1 v0\n"),
    ("dups-hash", "hash", ["-d"], b"k1 v1\nk1 v2\nk2 v3\n"),
    ("replace", "hash", ["-r", "-v"], b"k1 v1\nk1 v2\nk2 v3\nK2 v4\n"),
    ("sep-colon", "hash", ["-t:", "-v"],
     b"a:b:c\nA: x\n:nokey\nd\ne:\nf  g\n#c:d\n"),
    ("comment-semi", "hash", ["-D;", "-v"],
     b";comment\n#notcomment yes\nk v\n ;x\n"),
    ("sep-comment", "btree", ["-t:", "-D;"],
     b"a:b:c\n;c:d\n# x:y\nk:v v\n"),
    ("allow-empty", "hash", ["-e", "-v"], b"a\nb  \nc d\n"),
    ("blank-lines", "hash", [], b"\n\n\na b\n\n\n\nc d\n\n"),
    ("crlf", "hash", ["-v"], b"Abc\r\nkey val\r\nx\ty \r\n"),
    ("eightbit", "hash", ["-v"],
     b"K\xc4\xe9Y v\xff\xc4\n\xe4\xf6\xfc \xdf\n"),
    ("long", "hash", [],
     ("%s %s\n%s %s\nshort x\n" % (LONG_KEY, LONG_VAL, "L" * 1000,
                                    "w" * 22)).encode()),
    ("too-long", "btree", [],
     ("%s %s\n%s b\n%s d\n%s f\ng h\n%s z\n" % (
         "k" * 1000, "v" * 2000, "a" * 4093, "c" * 4094, "e" * 5000,
         "y" * 1021)).encode()),
    ("nul-byte", "hash", [], b"a\x00b c\nd e\nf g\x00h\n"),
    ("access", "hash", [],
     b"Connect:127.0.0.1\tRELAY\nFrom:spammer@bad.example\tREJECT\n"
     b"To:blocked@example.test\tERROR:550 go away\n"
     b"Connect:spam.example\tERROR:\"550 no spam here\"\n"
     b"virt@EXAMPLE.test\t%1@elsewhere %%\n"),
    ("empty", "hash", [], b""),
    ("only-comments", "btree", [], b"# a\n# b\n"),
    ("implicit", "implicit", [], b"a b\nc d\n"),
    ("cachesize", "hash", ["-c", "4096"], b"a b\nc d\n"),
    ("nodotdb", "hash", [], b"a b\n"),
]

# (name, argv, stdin): runs in a folder holding map "base" (hash) and
# "bt" (btree), both built by the oracle
INVOCATIONS = [
    ("usage-none", [], None),
    ("usage-one", ["hash"], None),
    ("usage-three", ["hash", "a", "b"], None),
    ("bad-option", ["-Z", "hash", "m"], None),
    ("missing-arg-t", ["-t"], None),
    ("missing-arg-c", ["-c"], None),
    ("list", ["-l"], None),
    ("list-args", ["-l", "hash", "m"], None),
    ("list-ext", ["-x"], None),
    ("type-unknown", ["foo", "m"], b"a b\n"),
    ("type-upper", ["HASH", "m"], b"a b\n"),
    ("type-dbm", ["dbm", "m"], b"a b\n"),
    ("type-cdb", ["cdb", "m"], b"a b\n"),
    ("fallback-i", ["-i", "hash", "foo", "m"], b"a b\n"),
    ("cf-missing", ["-C", "/nonexistent/cf", "hash", "m"], b"a b\n"),
    ("dump-missing", ["-u", "hash", "nosuchmap"], None),
    ("dump-wrongtype", ["-u", "btree", "base"], None),
    ("dump-sep", ["-u", "-t", "|", "hash", "base"], None),
    ("dump-emptysep", ["-u", "-t", "", "hash", "base"], None),
    ("dump-dotdb", ["-u", "hash", "base.db"], None),
    ("append-missing", ["-o", "hash", "newmap"], b"a b\n"),
    ("append", ["-o", "hash", "base"], b"k3 v9\nk1 new\n"),
    ("append-replace", ["-o", "-r", "hash", "base"], b"k3 v9\nk1 new\n"),
    ("retype", ["btree", "base"], b"a b\n"),
    ("nodir", ["hash", "nodir/m"], b"a b\n"),
    ("symlink", ["hash", "lnk"], b"a b\n"),
    ("symlink-unsafe", ["-s", "hash", "lnk"], b"a b\n"),
    ("hardlink", ["hash", "hl"], b"a b\n"),
    ("symlink-dump", ["-u", "hash", "lnk"], None),
    ("hardlink-dump", ["-u", "hash", "hl"], None),
    ("worldwritable", ["hash", "@WW@/m"], b"a b\n"),
    ("worldwritable-dump", ["-u", "hash", "@WW@/m"], None),
]

# editmap: (name, argv); each runs in order on the tool's own copy of
# a map built from EDIT_INPUT; after the series both maps are dumped
EDIT_INPUT = b"k1 v1\nK2 v2\nmixed Value\n"
EDITS = [
    ("q-found", ["-q", "hash", "e", "k1"]),
    ("q-fold", ["-q", "hash", "e", "K1"]),
    ("q-missing", ["-q", "hash", "e", "nokey"]),
    ("q-nofold", ["-q", "-f", "hash", "e", "K1"]),
    ("u-insert", ["-u", "hash", "e", "new", "val x"]),
    ("u-replace", ["-u", "hash", "e", "k1", "repl"]),
    ("q-replaced", ["-q", "hash", "e", "k1"]),
    ("x-delete", ["-x", "hash", "e", "new"]),
    ("x-missing", ["-x", "hash", "e", "new"]),
    ("u-novalue", ["-u", "hash", "e", "nova"]),
    ("q-nokey", ["-q", "hash", "e"]),
    ("no-mode", ["hash", "e", "k1"]),
    ("two-modes", ["-q", "-u", "hash", "e", "k1"]),
    ("u-extra", ["-u", "hash", "e", "a", "b", "c"]),
    ("u-nul", ["-u", "-N", "hash", "e", "nk", "nv"]),
    ("q-nul", ["-q", "-N", "hash", "e", "nk"]),
    ("q-nul-without", ["-q", "hash", "e", "nk"]),
    ("u-nofold", ["-u", "-f", "hash", "e", "UP", "v"]),
    ("q-nofold-up", ["-q", "-f", "hash", "e", "UP"]),
    ("x-nul", ["-x", "-N", "hash", "e", "nk"]),
    ("q-nofile", ["-q", "hash", "nofile", "k"]),
    ("u-newfile", ["-u", "hash", "newfile", "k", "v"]),
    ("q-newfile", ["-q", "hash", "newfile", "k"]),
    ("type-unknown", ["-q", "foo", "e", "k"]),
    ("type-wrong", ["-q", "btree", "e", "k1"]),
    ("type-dbm", ["-q", "dbm", "e", "k1"]),
    ("bad-option", ["-Z", "hash", "e", "k1"]),
]

MISSING_KEYS = ["nosuchkey", "KEY", "k", "value"]
LETTER = {"oracle": "r", "ours": "u"}


class Ctx:
    pass


def run(argv, cwd, env, stdin=None, timeout=60):
    kw = {"input": stdin} if stdin is not None else {
        "stdin": subprocess.DEVNULL}
    p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True,
                       timeout=timeout, **kw)
    return p.stdout, p.stderr, p.returncode


def tool(ctx, who, name):
    return ctx.bins[who][name]


def norm(ctx, data, who, name):
    """Our and the oracle's paths out of a tool's output."""
    data = data.replace(tool(ctx, who, name).encode(), name.encode())
    return data.replace(ctx.tmp.encode(), b"@TMP@")


def transcript(out, err, rc, mode=None):
    lines = [b"stdout: " + l for l in out.split(b"\n")]
    lines += [b"stderr: " + l for l in err.split(b"\n")]
    lines.append(b"exit: %d" % rc)
    if mode is not None:
        lines.append(b"mode: %o" % mode)
    return lines


def report(ctx, name, want, got, note=""):
    sm = difflib.SequenceMatcher(None, want, got, autojunk=False)
    same = sum(b.size for b in sm.get_matching_blocks())
    total = max(len(want), len(got))
    ok = want == got
    verdict = "PASS" if ok else "FAIL"
    ctx.counts[verdict] += 1
    print("%s diff makemap-%s: %d/%d lines matched%s" %
          (verdict, name, same, total, note))
    if not ok:
        shown = 0
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            for l in want[i1:i2][:4]:
                print("  - oracle %r" % l)
            for l in got[j1:j2][:4]:
                print("  + ours   %r" % l)
            shown += 1
            if shown >= 8:
                break


def mode_of(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return -1


def dump(ctx, who, folder, typ, name, flags=()):
    out, err, rc = run([tool(ctx, who, "makemap"), "-C", "/dev/null",
                        "-u"] + list(flags) + [typ, name], folder,
                       ctx.env[who])
    return transcript(out, norm(ctx, err, who, "makemap"), rc)


def build_cases(ctx, sel):
    lookups = []          # (case, type, flags, keys)
    for name, typ, flags, data in BUILDS:
        if sel and name not in sel:
            continue
        res = {}
        mapname = "m.db" if name == "nodotdb" else "m"
        for who in ("oracle", "ours"):
            d = os.path.join(ctx.tmp, "build", name, who)
            os.makedirs(d)
            out, err, rc = run([tool(ctx, who, "makemap"), "-C",
                                "/dev/null"] + flags + [typ, mapname], d,
                               ctx.env[who], stdin=data)
            res[who] = transcript(out, norm(ctx, err, who, "makemap"), rc,
                                  mode_of(os.path.join(d, "m.db")))
        dumpflags = [f for f in flags if f.startswith("-t")]
        want = res["oracle"]
        got = res["ours"]
        base = None
        for tw in ("oracle", "ours"):
            for fw in ("oracle", "ours"):
                d = os.path.join(ctx.tmp, "build", name, fw)
                t = dump(ctx, tw, d, typ, "m", dumpflags)
                if base is None:
                    base = t
                want = want + [b"dump %s/%s:" % (tw.encode(), fw.encode())] \
                    + base
                got = got + [b"dump %s/%s:" % (tw.encode(), fw.encode())] + t
        report(ctx, "build-" + name, want, got)
        keys = set(MISSING_KEYS)
        for line in data.split(b"\n"):
            w = line.split(None, 1)
            # keys -bt passes whole: no comment, operator or 8-bit
            if w and w[0][:1].isalnum() and w[0].isascii() and \
                    all(chr(c).isalnum() or c in b".@-_" for c in w[0]):
                keys.add(w[0].decode())
                if "-t:" in flags and w[0].split(b":")[0]:
                    keys.add(w[0].split(b":")[0].decode())
        if typ != "implicit" and "-d" not in flags:
            lookups.append((name, typ, flags, sorted(keys)))
    return lookups


def ns_world(ctx, name, folder):
    """The unshare prefix with the files it binds written into folder,
    or None (the case SKIPped with the reason)."""
    try:
        prefix = unshare_prefix()
    except Skip as e:
        print("SKIP diff makemap-%s: %s" % (name, e))
        ctx.counts["SKIP"] += 1
        return None
    os.makedirs(folder, exist_ok=True)
    for f, text in (("hosts", HOSTS), ("resolv.conf", RESOLV),
                    ("passwd", PASSWD), ("group", GROUP)):
        write(os.path.join(folder, f), text)
    return prefix


def lookup_cases(ctx, lookups):
    """The real sendmail's /map answers for both files of each case."""
    if not lookups:
        return
    t = ctx.tmp
    prefix = ns_world(ctx, "lookups", t)
    if prefix is None:
        return
    cf = ["V10/Berkeley", "O QueueDirectory=%s" % t,
          "Mlocal, P=/bin/true, F=lsDFM, A=true $u",
          "Mprog, P=/bin/sh, F=lsDFM, A=sh -c $u"]
    script = []
    for i, (name, typ, flags, keys) in enumerate(lookups):
        kf = "-f " if "-f" in flags else ""
        for who in ("oracle", "ours"):
            cf.append("K%s%d %s %s%s/build/%s/%s/m" % (
                LETTER[who], i, typ, kf, t, name, who))
    for i, (name, typ, flags, keys) in enumerate(lookups):
        for k in keys:
            for who in ("oracle", "ours"):
                script.append("/map %s%d %s" % (LETTER[who], i, k))
    write(os.path.join(t, "lookup.cf"), "\n".join(cf) + "\n")
    out, err, rc = run_ns(prefix, t, [ctx.sendmail, "-C",
                                      os.path.join(t, "lookup.cf"), "-bt"],
                          oracle_env(ctx.root),
                          stdin=("\n".join(script) + "\n").encode())
    want, got = [], []
    for l in out.split(b"\n"):
        if b"map_lookup: r" in l:
            want.append(l.replace(b"map_lookup: r", b"map_lookup: M"))
        elif b"map_lookup: u" in l:
            got.append(l.replace(b"map_lookup: u", b"map_lookup: M"))
    if rc != 0 or not want or len(want) != len(script) // 2:
        print("FAIL diff makemap-lookups: sendmail -bt exit %d, %d answers "
              "for %d lookups" % (rc, len(want), len(script) // 2))
        for l in err.split(b"\n")[:10]:
            print("  %r" % l)

        ctx.counts["FAIL"] += 1
        return
    report(ctx, "lookups", want, got,
           " (%d lookups in %d maps, %d found)" % (
               len(want), len(lookups),
               sum(1 for w in want if b" returns " in w)))


def prepare_invocation_dir(ctx, d):
    os.makedirs(d)
    mm = tool(ctx, "oracle", "makemap")
    for typ, name in (("hash", "base"), ("btree", "bt")):
        run([mm, "-C", "/dev/null", typ, name], d, ctx.env["oracle"],
            stdin=b"k1 v1\nk2 v2\n")
    os.symlink("base.db", os.path.join(d, "lnk.db"))
    run([mm, "-C", "/dev/null", "hash", "hl0"], d, ctx.env["oracle"],
        stdin=b"a b\n")
    os.link(os.path.join(d, "hl0.db"), os.path.join(d, "hl.db"))
    ww = os.path.join(d, "ww")
    os.makedirs(ww)
    os.chmod(ww, 0o1777)
    run([mm, "-C", "/dev/null", "hash", "ww/m"], d, ctx.env["oracle"],
        stdin=b"a b\n")


def invocation_cases(ctx, sel):
    for name, argv, data in INVOCATIONS:
        if sel and name not in sel:
            continue
        res = {}
        for who in ("oracle", "ours"):
            d = os.path.join(ctx.tmp, "inv", name, who)
            prepare_invocation_dir(ctx, d)
            args = [a.replace("@WW@", os.path.join(d, "ww")) for a in argv]
            if "-C" not in args:
                args = ["-C", "/dev/null"] + args
            out, err, rc = run([tool(ctx, who, "makemap")] + args, d,
                               ctx.env[who], stdin=data)
            err = err.replace(d.encode(), b"@DIR@")
            t = transcript(out, norm(ctx, err, who, "makemap"), rc)
            for f in sorted(os.listdir(d)):
                p = os.path.join(d, f)
                if f.endswith(".db") and not os.path.islink(p):
                    t += [b"file %s mode %o" % (f.encode(), mode_of(p))]
                    t += dump(ctx, "oracle", d, "btree" if f in ("bt.db",)
                              or (name == "retype" and f == "base.db")
                              else "hash", f)
            res[who] = t
        report(ctx, "invocation-" + name, res["oracle"], res["ours"])


def edit_cases(ctx, sel):
    if sel and "editmap" not in sel:
        return
    res = {"oracle": [], "ours": []}
    for who in ("oracle", "ours"):
        d = os.path.join(ctx.tmp, "edit", who)
        os.makedirs(d)
        run([tool(ctx, "oracle", "makemap"), "-C", "/dev/null", "hash",
             "e"], d, ctx.env["oracle"], stdin=EDIT_INPUT)
        for name, argv in EDITS:
            out, err, rc = run([tool(ctx, who, "editmap"), "-C",
                                "/dev/null"] + argv, d, ctx.env[who])
            res[who].append(b"== " + name.encode())
            res[who] += transcript(out, norm(ctx, err, who, "editmap"), rc)
        for f in ("e", "newfile"):
            res[who].append(b"== dump " + f.encode())
            res[who].append(b"mode %o" % mode_of(os.path.join(d, f + ".db")))
            res[who] += dump(ctx, "oracle", d, "hash", f)
    # the oracle also reads the file our editmap changed and vice versa
    report(ctx, "editmap", res["oracle"], res["ours"],
           " (%d editmap calls)" % len(EDITS))


# service switch files for switch_cases: sendmail 8.17 on Linux reads
# them with its own simple reader (no nsswitch.conf, no actions)
SWITCH_FILES = [
    ("plain", "aliases\tfiles second\nhosts\tfiles\n"),
    ("order", "aliases second files\n"),
    ("later-line-wins", "aliases second\nALIASES files\n"),
    ("no-methods", "aliases second\naliases   \nhosts\n"),
    ("leading-space", " aliases files second\n"),
    ("colon", "aliases: files second\nhosts: files\n"),
    ("notfound-return", "aliases files [NOTFOUND=return] second\n"
     "hosts files [NOTFOUND=return] dns\n"),
    ("unavail-nis", "aliases nis files [UNAVAIL=return] second\n"),
    ("crlf", "aliases files second\r\nhosts files\r\n"),
    ("comment", "aliases files#second\nhosts files second # x\n"),
    ("missing-member", "aliases nosuch files\n"),
]


def switch_cases(ctx, sel):
    """K switch maps under each SWITCH_FILES text, -bt /map compared."""
    if sel and "switch" not in sel:
        return
    t = os.path.join(ctx.tmp, "switch")
    prefix = ns_world(ctx, "switch", t)
    if prefix is None:
        return
    write(os.path.join(t, "files.txt"), "a1 files-a1\nboth files-both\n")
    write(os.path.join(t, "second.txt"), "a2 second-a2\nboth second-both\n")
    cf = ["V10/Berkeley", "O QueueDirectory=%s" % t,
          "O ServiceSwitchFile=%s/service.switch" % t,
          "Mlocal, P=/bin/true, F=lsDFM, A=true $u",
          "Mprog, P=/bin/sh, F=lsDFM, A=sh -c $u",
          "Kali switch aliases",
          "Kali.files text -v1 %s/files.txt" % t,
          "Kali.second text -v1 %s/second.txt" % t,
          "Kali.nis nis -o mail.aliases",
          "Khh switch hosts",
          "Khh.files text -v1 %s/files.txt" % t,
          "Khh.second text -v1 %s/second.txt" % t]
    write(os.path.join(t, "switch.cf"), "\n".join(cf) + "\n")
    script = "".join("/map %s %s\n" % (m, k) for m in ("ali", "hh")
                     for k in ("a1", "a2", "both", "none")).encode()
    ours = os.path.join(os.path.dirname(tool(ctx, "ours", "makemap")),
                        "sendmail")
    for name, text in SWITCH_FILES:
        write(os.path.join(t, "service.switch"), text)
        res = {}
        for who, binary in (("oracle", ctx.sendmail), ("ours", ours)):
            out, err, rc = run_ns(prefix, t, [binary, "-C",
                                              os.path.join(t, "switch.cf"),
                                              "-bt"], ctx.env[who],
                                  stdin=script)
            res[who] = transcript(out, err.replace(t.encode(), b"@TMP@"),
                                  rc)
        want, got = res["oracle"], res["ours"]
        report(ctx, "switch-" + name, want, got)


def kill9_case(ctx, sel):
    """SIGKILL our makemap while it rebuilds a map: the old one survives."""
    if sel and "kill9" not in sel:
        return
    d = os.path.join(ctx.tmp, "kill9")
    os.makedirs(d)
    ours = tool(ctx, "ours", "makemap")
    old = b"".join(b"old%05d value %d\n" % (i, i) for i in range(2000))
    run([ours, "-C", "/dev/null", "hash", "k"], d, ctx.env["ours"],
        stdin=old)
    want = dump(ctx, "oracle", d, "hash", "k")
    big = os.path.join(d, "big.txt")
    with open(big, "wb") as f:
        for i in range(200000):
            f.write(b"new%07d some value for key %d\n" % (i, i))
    got = []
    killed_mid = 0
    for delay in (0.02, 0.05, 0.1, 0.2, 0.4):
        with open(big, "rb") as src:
            p = subprocess.Popen([ours, "-C", "/dev/null", "hash", "k"],
                                 cwd=d, env=ctx.env["ours"], stdin=src,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if p.poll() is None:
                killed_mid += 1
                p.send_signal(signal.SIGKILL)
            p.wait()
        if p.returncode != -signal.SIGKILL:
            continue        # finished before the kill: nothing to check
        for who in ("oracle", "ours"):
            t = dump(ctx, who, d, "hash", "k")
            got.append((delay, who, t))
    note = " (%d kills mid-build)" % killed_mid
    if killed_mid == 0:
        print("SKIP diff makemap-kill9: every build finished before the kill")
        ctx.counts["SKIP"] += 1
        return
    w, g = [], []
    for delay, who, t in got:
        w += [b"after kill at %.2fs, dump by %s" % (delay, who.encode())] + want
        g += [b"after kill at %.2fs, dump by %s" % (delay, who.encode())] + t
    report(ctx, "kill9", w, g, note)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="folder holding our makemap and editmap")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()
    sel = set(opt.names)
    ctx = Ctx()
    ctx.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "XFAIL": 0}
    bindir = opt.bin or os.environ.get("BIN") or os.path.join(REPO, "bin")
    try:
        ctx.root = oracle_root()
        ctx.tmp = make_tmp("makemap_diff.")
    except Skip as e:
        print("SKIP diff makemap: %s" % e)
        return 77
    sbin = os.path.join(ctx.root, "usr/libexec/sendmail")
    ctx.bins = {
        "oracle": {t: os.path.join(sbin, t) for t in ("makemap", "editmap")},
        "ours": {t: os.path.join(bindir, t) for t in ("makemap", "editmap")},
    }
    ctx.sendmail = os.path.join(sbin, "sendmail")
    ctx.env = {"oracle": oracle_env(ctx.root), "ours": ours_env()}
    for who in ("oracle", "ours"):
        for t, p in ctx.bins[who].items():
            if not os.access(p, os.X_OK):
                print("FAIL diff makemap-%s: %s binary %s is missing" %
                      (t, who, p))
                return 1
    old = os.umask(0o022)
    try:
        lookups = build_cases(ctx, sel)
        if not sel or "lookups" in sel:
            lookup_cases(ctx, lookups)
        invocation_cases(ctx, sel)
        edit_cases(ctx, sel)
        kill9_case(ctx, sel)
        switch_cases(ctx, sel)
    finally:
        os.umask(old)
        if opt.keep:
            print("kept %s" % ctx.tmp)
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
    if ctx.counts["FAIL"]:
        return 1
    if ctx.counts["PASS"] == 0:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
