#!/usr/bin/env python3
"""Differential test of sendmail's other modes: -bv, -bC, -d0.1 and
invocation errors, the real sendmail 8.17 (regress/oracle.sh) against ours.

Same hermetic world as bt_diff.py (regress/diff/oracle_env.py): the CentOS 7
cf compiled with the oracle's sendmail-cf, every host path in it rewritten
into a temporary folder, run inside `unshare --uts --net --mount` with host
name vm.example.test and /etc/hosts, resolv.conf, passwd and group
bind-mounted from that folder.  Each case runs both binaries with the same
argv and stdin (/dev/null unless given) and compares stdout, stderr and the
exit status byte for byte, after the temporary folder's path is replaced by
@TMP@ and the binary's own path by @SENDMAIL@.

The -bv and -d0.1 cases run with the files-only service switch and again,
as <case>-dnsfail, with "hosts files dns" where every DNS query fails.
The -bC cases run on the good cf and on broken cfs derived from it (one
defect each: see BROKEN below).

Aliases: the tree holds a text aliases file (ALIASES below) and no
aliases.db.  The oracle then silently reads the text version (with -v it
says "WARNING: cannot open alias database ...; reading text version").
The bv-noaliases-* cases use a cf whose AliasFile does not exist at all:
the oracle then still answers "postmaster... deliverable: mailer local,
user postmaster".
Cases whose answer depends on alias expansion are in their own list
(BV_ALIAS).  A case may still be marked XFAIL (expected to differ, with
the reason printed); one that starts matching prints XPASS.

Usage:
  mode_diff.py [--bin DIR] [--show] [--keep] [case-or-group ...]
      --show   print both outputs of every case, not just of failures
Groups: bv, bC, d0, invocation.

Prints one line per case:
  PASS diff <case>: N/N lines matched
  FAIL diff <case>: M/N lines matched       (then the first differences)
  XFAIL diff <case>: M/N lines matched (expected to differ: <reason>)
  XPASS diff <case>: N/N lines matched (was expected to differ: <reason>)
  SKIP diff <case>: <reason>
XFAIL counts as neither pass nor failure; XPASS is a pass.
Exit status: 0 nothing failed, 1 something failed, 77 everything skipped.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

from oracle_env import (diff_lines, show_diff, transcript,
                        REGRESS, REPO, Skip, build_cf, make_tmp, make_tree,
                        normalise, oracle_binary, oracle_env, oracle_root,
                        our_binary, ours_env, run_ns, unshare_prefix, write)

OUT_DIR = os.path.join(REGRESS, ".cache", "mode")
MAX_SHOWN = 8             # differing hunks printed per case
BIN_TOKEN = b"@SENDMAIL@"

ALIASES = """\
# aliases for mode_diff.py (text only: no aliases.db is built)
postmaster: root
mailer-daemon: postmaster
info: joe
list: joe, bob
nowhere: nosuchuser
progalias: "|/bin/cat"
filealias: /tmp/aliasfile
remotealias: someone@remote.example
"""


# ---- -bv: (case, argv after -bv).  Every one also runs as <case>-dnsfail.
BV = [
    ("root", ["root"]),
    ("joe", ["joe"]),
    ("bob", ["bob"]),
    ("smmsp", ["smmsp"]),
    ("upper-joe", ["JOE"]),
    ("nosuchuser", ["nosuchuser"]),
    ("joe-detail", ["joe+tag"]),
    ("root-at-self", ["root@vm.example.test"]),
    ("joe-at-lhn", ["joe@example.test"]),
    ("joe-at-localhost", ["joe@localhost"]),
    ("joe-at-ip-self", ["joe@[192.0.2.2]"]),
    ("nosuch-at-self", ["nosuchuser@vm.example.test"]),
    ("remote", ["user@remote.example"]),
    ("remote-trailing-dot", ["user@remote.example."]),
    ("remote-phrase", ["Joe <joe@remote.example>"]),
    ("remote-comment", ["joe@remote.example (Joe User)"]),
    ("remote-quoted-local", ['"joe smith"@remote.example']),
    ("remote-ip-literal", ["user@[198.51.100.1]"]),
    ("remote-hosts-file", ["user@friend.example"]),
    ("remote-mx-name", ["user@mx.example.test"]),
    ("route", ["@relay.example:user@remote.example"]),
    ("percent-hack", ["user%remote.example@vm.example.test"]),
    ("bang-path", ["uuhost!user"]),
    ("mailertable", ["user@mt.example"]),
    ("mailertable-sub", ["user@a.sub.mt.example"]),
    ("mailertable-error", ["user@err.example"]),
    ("virtuser", ["info@example.test"]),
    ("virtuser-remote", ["sales@example.test"]),
    ("virtuser-error", ["nobody@example.test"]),
    ("virtuser-catchall", ["anyone@virt.example"]),
    ("prog", ["|/bin/cat"]),
    ("file", ["/tmp/file"]),
    ("multi-argv", ["root", "joe", "user@remote.example"]),
    ("multi-mixed", ["nosuchuser", "root", "|/bin/cat", "user@remote.example"]),
    ("comma-list", ["root, joe"]),
    ("comma-remote", ["a@remote.example, b@remote.example"]),
    ("comma-mixed", ["joe, nosuchuser, x@remote.example"]),
    ("duplicate", ["root", "root"]),
    ("unbalanced-lt", ["<bad"]),
    ("unbalanced-gt", ["bad>"]),
    ("unbalanced-paren", ["joe (comment"]),
    ("unbalanced-quote", ['"joe']),
    ("empty-angle", ["<>"]),
    ("empty-string", [""]),
    ("no-address", []),
    # sendmail names the address only before some reply codes: a 551
    # ($#error of FEATURE(redirect)) stands alone, a 550 does not; the
    # name before a message has its 8-bit bytes masked
    ("redirect", ["joe@new.example.REDIRECT"]),
    ("redirect-and-550", ["joe@new.example.REDIRECT", "x@err.example",
                          "nosuchuser"]),
    ("eight-bit-unknown", ["caf\u00e9"]),
]

# -bv cases that go through the alias file (text version: no .db)
BV_ALIAS = [
    ("alias-postmaster", ["postmaster"]),
    ("alias-chain", ["mailer-daemon"]),
    ("alias-to-local", ["info"]),
    ("alias-list", ["list"]),
    ("alias-to-unknown", ["nowhere"]),
    ("alias-to-prog", ["progalias"]),
    ("alias-to-file", ["filealias"]),
    ("alias-to-remote", ["remotealias"]),
    ("alias-dedup", ["root", "postmaster"]),
    ("alias-verbose", ["-v", "postmaster"]),
    # -v makes the oracle open the alias database even for root (it warns
    # that it reads the text version): alias-dependent too
    ("verbose-root", ["-v", "root"]),
]


# -bv on a cf whose AliasFile names a file that does not exist: the
# oracle still delivers postmaster locally (case-insensitive), with no
# alias database involved
BV_NOALIASES = [
    ("postmaster", ["postmaster"], None),
    ("postmaster-mixed-case", ["PostMaster"], None),
    ("postmaster-dedup", ["PostMaster", "postmaster@vm.example.test"], None),
    ("verbose-root", ["-v", "root"], None),
]


# ---- -bC: broken cfs, each derived from the good CentOS cf by one edit.
# An edit is (where, text): where "after-V" inserts after the V line,
# "after-S0" after the first ruleset line (Scanonify=3), "after-Mprog"
# after the prog mailer's definition, ("sub", old, new) replaces a line
# prefix, ("drop", prefix) drops a line (and its continuation lines).
BROKEN = [
    ("unknown-command", [("after-V", "Zbogus command")]),
    ("rule-no-tab", [("after-S0", "R$+ $@ $1")]),
    ("rule-lhs-only", [("after-S0", "R$+")]),
    ("rule-unbalanced", [("after-S0", "R<$*\t$@ x")]),
    ("rule-bad-ruleset-call", [("after-S0", "R$*\t$>nosuchruleset $1")]),
    ("no-local-mailer", [("drop", "Mlocal,")]),
    ("no-prog-mailer", [("drop", "Mprog,")]),
    ("no-queuedir", [("drop", "O QueueDirectory=")]),
    ("unknown-option", [("after-V", "O BogusOption=yes")]),
    ("unknown-short-option", [("after-V", "O~")]),
    ("bad-delivery-mode", [("after-V", "O DeliveryMode=z")]),
    ("bad-queue-sort", [("after-V", "O QueueSortOrder=bogus")]),
    ("bad-timeout", [("after-V", "O Timeout.queuereturn=5q")]),
    ("vendor-bogus", [("sub", "V10/Berkeley", "V10/Bogus")]),
    ("version-too-new", [("sub", "V10/Berkeley", "V11/Berkeley")]),
    ("kline-bad-class", [("after-V", "Kfoo nosuchclass /x")]),
    ("kline-no-class", [("after-V", "Kfoo")]),
    ("kline-bad-option", [("after-V", "Kfoo hash -Z /nonexistent/x")]),
    ("mailer-no-path", [("after-Mprog", "Mbogus,\tF=lsDFM, A=bogus $u")]),
    ("mailer-bad-field", [("after-Mprog",
                           "Mbogus,\tP=/bin/true, Z=3, A=true")]),
    ("mailer-no-name", [("after-Mprog", "M, P=/bin/true, A=true")]),
    ("class-no-name", [("after-V", "C")]),
    ("class-space-name", [("after-V", "C foo bar")]),
    ("class-unclosed-brace", [("after-V", "C{foo bar")]),
    ("macro-no-name", [("after-V", "D")]),
    ("macro-unclosed-brace", [("after-V", "D{foo bar")]),
    ("ruleset-no-number", [("after-V", "S")]),
    ("ruleset-too-big", [("after-V", "S400")]),
    ("header-no-colon", [("after-V", "Hbogus header")]),
    ("priority-no-equals", [("after-V", "Pbogus")]),
    ("fclass-missing-file", [("after-V", "Fx/nonexistent/file")]),
]


def edit_cf(text, edits):
    lines = text.split("\n")
    for e in edits:
        kind = e[0]
        if kind == "sub":
            hits = [i for i, l in enumerate(lines) if l.startswith(e[1])]
            if not hits:
                raise RuntimeError("no line %r in cf" % e[1])
            lines[hits[0]] = e[2] + lines[hits[0]][len(e[1]):]
        elif kind == "drop":
            hits = [i for i, l in enumerate(lines) if l.startswith(e[1])]
            if not hits:
                raise RuntimeError("no line %r in cf" % e[1])
            i = hits[0]
            j = i + 1
            while j < len(lines) and lines[j][:1] in (" ", "\t"):
                j += 1
            del lines[i:j]
        else:
            if kind == "after-V":
                pred = lambda l: l.startswith("V")
            elif kind == "after-S0":
                pred = lambda l: l.startswith("Scanonify=")
            elif kind == "after-Mprog":
                pred = lambda l: l.startswith("Mprog,")
            else:
                raise RuntimeError("bad edit %r" % (e,))
            hits = [i for i, l in enumerate(lines) if pred(l)]
            if not hits:
                raise RuntimeError("no anchor for %s in cf" % kind)
            i = hits[0] + 1
            while i < len(lines) and lines[i][:1] in (" ", "\t"):
                i += 1
            lines.insert(i, e[1])
    return "\n".join(lines)


# ---- the case table

class Case:
    def __init__(self, name, group, cf, argv, stdin=None, xfail=None,
                 mask_version=False, via_path=False):
        self.name = name
        self.group = group
        self.cf = cf              # cf name (key of the cfs dict) or None
        self.argv = argv          # after the binary; "@CF@" is the cf path
        self.stdin = stdin        # bytes or None (/dev/null)
        self.xfail = xfail        # reason it is expected to differ
        self.mask_version = mask_version
        self.via_path = via_path  # run as plain "sendmail" found in $PATH


def cases():
    out = []
    for sfx in ("", "-dnsfail"):
        cf = "centos7" + sfx
        for name, args in BV:
            opts = [a for a in args if a == "-v"]
            addrs = [a for a in args if a != "-v"]
            out.append(Case("bv-" + name + sfx, "bv", cf,
                            ["-C", "@CF@"] + opts + ["-bv"] + addrs))
        for name, args in BV_ALIAS:
            opts = [a for a in args if a == "-v"]
            addrs = [a for a in args if a != "-v"]
            out.append(Case("bv-" + name + sfx, "bv", cf,
                            ["-C", "@CF@"] + opts + ["-bv"] + addrs))
        for name, args, why in BV_NOALIASES:
            opts = [a for a in args if a == "-v"]
            addrs = [a for a in args if a != "-v"]
            out.append(Case("bv-noaliases-" + name + sfx, "bv",
                            "noaliases" + sfx,
                            ["-C", "@CF@"] + opts + ["-bv"] + addrs,
                            xfail=why))
        masked = dict(mask_version=True)
        out.append(Case("d0.1-bt" + sfx, "d0", cf,
                        ["-C", "@CF@", "-d0.1", "-bt"], stdin=b"",
                        **masked))
        out.append(Case("d0.1-bv-root" + sfx, "d0", cf,
                        ["-C", "@CF@", "-d0.1", "-bv", "root"], **masked))
        out.append(Case("d0.1-bv-nosuchuser" + sfx, "d0", cf,
                        ["-C", "@CF@", "-d0.1", "-bv", "nosuchuser"],
                        **masked))
        out.append(Case("d0.4-bt" + sfx, "d0", cf,
                        ["-C", "@CF@", "-d0.4", "-bt"], stdin=b"",
                        **masked))
    out.append(Case("bC-good", "bC", "centos7", ["-C", "@CF@", "-bC"]))
    out.append(Case("bC-good-dnsfail", "bC", "centos7-dnsfail",
                    ["-C", "@CF@", "-bC"]))
    for name, _ in BROKEN:
        out.append(Case("bC-" + name, "bC", "broken-" + name,
                        ["-C", "@CF@", "-bC"]))
    inv = [
        ("bz", ["-bz"]),
        ("bX", ["-bX"]),
        ("illegal-option", ["-z"]),
        ("illegal-option-bv", ["-z", "-bv", "root"]),
        ("no-cf-file", ["-C", "@TMP@/nonexistent.cf", "-bv", "root"]),
        ("bt-with-Q", ["-C", "@CF@", "-Qreason", "-bt"]),
        ("bad-hop-count", ["-C", "@CF@", "-h", "abc", "-bv", "root"]),
        ("bad-N", ["-C", "@CF@", "-N", "bogus", "-bv", "root"]),
        ("bad-R", ["-C", "@CF@", "-R", "bogus", "-bv", "root"]),
        ("two-from", ["-C", "@CF@", "-f", "a", "-f", "b", "-bv", "root"]),
        ("D-after-d", ["-C", "@CF@", "-d0.1", "-D", "@TMP@/dbg", "-bv",
                       "root"]),
        # a flag sendmail takes without its value: bare -q is -q0
        ("bare-q", ["-C", "@CF@", "-bp", "-q"]),
    ]
    for name, argv in inv:
        if not any(a == "-C" for a in argv):
            argv = ["-C", "@CF@"] + argv
        out.append(Case("inv-" + name, "invocation", "centos7", argv,
                        mask_version=any(a.startswith("-d") for a in argv)))
    # getopt names the program by argv[0]: also run as plain "sendmail"
    out.append(Case("inv-illegal-option-argv0", "invocation", "centos7",
                    ["-C", "@CF@", "-z"], via_path=True))
    out.append(Case("inv-bz-argv0", "invocation", "centos7",
                    ["-C", "@CF@", "-bz"], via_path=True))
    return out


# ---- running and comparing

VERSION_RE = re.compile(rb"^(Version \S.*|\s*Compiled with:.*|\t\t\S.*)$")


def mask_version(data):
    """Replace the Version / Compiled with block by one @VERSION@ line."""
    out = []
    in_block = False
    for line in data.split(b"\n"):
        if line.startswith(b"Version "):
            out.append(b"@VERSION@")
            in_block = True
            continue
        if in_block and (line.startswith(b" Compiled with:") or
                         line.startswith(b"\t\t")):
            continue
        in_block = False
        out.append(line)
    return b"\n".join(out)




def run_case(c, binary, env, prefix, tmp, cfs, pathdir):
    argv = []
    for a in c.argv:
        if a == "@CF@":
            a = cfs[c.cf]
        argv.append(a.replace("@TMP@", tmp))
    if c.via_path:
        cmd = ["env", "PATH=%s:/usr/bin:/bin" % pathdir, "sendmail"] + argv
    else:
        cmd = [binary] + argv
    o, e, r = run_ns(prefix, tmp, cmd, env, stdin=c.stdin)
    t = transcript(o, e, r)
    t = t.replace(os.fsencode(binary), BIN_TOKEN)
    t = normalise(t, tmp)
    if c.mask_version:
        t = mask_version(t)
    return t






def show_full(label, data):
    print("  --- %s" % label)
    for line in data.split(b"\n"):
        print("    %r" % line)


def describe(c):
    """The case's command line, the cf named by its key in @TMP@."""
    args = []
    for a in c.argv:
        if a == "@CF@":
            a = "@TMP@/%s.cf" % c.cf
        if not a or any(ch in a for ch in " |<>\"'!%"):
            a = repr(a)
        args.append(a)
    return "sendmail %s%s" % (" ".join(args), " < /dev/null"
                              if c.stdin is None else " < empty input")


def build_cfs(root, tmp, needed):
    cfs = {}
    for n in ("centos7", "centos7-dnsfail"):
        cfs[n] = build_cf(n, root, tmp)
    with open(cfs["centos7"]) as f:
        good = f.read()
    for sfx in ("", "-dnsfail"):
        with open(cfs["centos7" + sfx]) as f:
            text = f.read()
        text = re.sub(r"(?m)^O AliasFile=.*$",
                      "O AliasFile=%s/etc/no-such-aliases" % tmp, text)
        cfs["noaliases" + sfx] = os.path.join(tmp, "noaliases%s.cf" % sfx)
        write(cfs["noaliases" + sfx], text)
    for name, edits in BROKEN:
        key = "broken-" + name
        if key in needed:
            path = os.path.join(tmp, key + ".cf")
            write(path, edit_cf(good, edits))
            cfs[key] = path
    return cfs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="folder holding our sendmail")
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()
    allc = cases()
    if opt.names:
        sel = [c for c in allc
               if c.name in opt.names or c.group in opt.names]
        unknown = [n for n in opt.names
                   if not any(c.name == n or c.group == n for c in allc)]
        if unknown:
            ap.error("unknown case or group %s" % ", ".join(unknown))
    else:
        sel = allc

    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
    except Skip as e:
        for c in sel:
            print("SKIP diff %s: %s" % (c.name, e))
        return 77

    ours = our_binary(opt.bin)
    oracle = oracle_binary(root)
    tmp = make_tmp("mode_diff.")
    counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0, "XPASS": 0, "SKIP": 0}
    try:
        make_tree(root, tmp, aliases=ALIASES)
        cfs = build_cfs(root, tmp, {c.cf for c in sel})
        paths = {}
        for who, b in (("oracle", oracle), ("ours", ours)):
            d = os.path.join(tmp, "path-" + who)
            os.makedirs(d)
            os.symlink(b, os.path.join(d, "sendmail"))
            paths[who] = d
        os.makedirs(opt.out, exist_ok=True)
        for c in sel:
            if not os.access(ours, os.X_OK):
                print("FAIL diff %s: our binary %s is missing" %
                      (c.name, ours))
                counts["FAIL"] += 1
                continue
            want = run_case(c, oracle, oracle_env(root), prefix, tmp, cfs,
                            paths["oracle"])
            got = run_case(c, ours, ours_env(), prefix, tmp, cfs,
                           paths["ours"])
            for sfx, data in ((".oracle", want), (".ours", got)):
                with open(os.path.join(opt.out, c.name + sfx), "wb") as f:
                    f.write(data)
            a, b, sm, same, total = diff_lines(want, got)
            ok = want == got
            note = ""
            if c.mask_version:
                note = (" (Version/Compiled with lines masked: ours names"
                        " its own version and options)")
            if ok and not c.xfail:
                verdict = "PASS"
            elif ok:
                verdict = "XPASS"
                note += " (was expected to differ: %s)" % c.xfail
            elif c.xfail:
                verdict = "XFAIL"
                note += " (expected to differ: %s)" % c.xfail
            else:
                verdict = "FAIL"
            counts[verdict] += 1
            print("%s diff %s: %d/%d lines matched%s" %
                  (verdict, c.name, same, total, note))
            if not ok or opt.show:
                print("  input: %s" % describe(c))
            if opt.show:
                show_full("oracle", want)
                show_full("ours", got)
            elif not ok:
                show_diff(a, b, sm, MAX_SHOWN, None)
    finally:
        if opt.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("mode_diff: %d cases: %d passed, %d failed, %d expected to differ"
          " (XFAIL), %d unexpectedly matched (XPASS)" %
          (len(sel), counts["PASS"], counts["FAIL"], counts["XFAIL"],
           counts["XPASS"]))
    if counts["FAIL"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
