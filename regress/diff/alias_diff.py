#!/usr/bin/env python3
"""Differential test of newaliases (sendmail -bi), the alias databases it
writes, and praliases: the real sendmail 8.17 (regress/oracle.sh) against
ours, in the hermetic world of oracle_env.py (the CentOS 7 cf compiled with
the oracle's sendmail-cf, paths rewritten into a temporary folder, run
inside `unshare --uts --net --mount` as vm.example.test).

Case kinds:
  bi-*      the same alias file(s) and argv to both; compared: stdout,
            stderr, exit status, and each resulting .db dumped twice: with
            the oracle's `makemap -u` (database order, NULs stripped) and
            raw (every key and value byte, NULs shown as \\000, sorted).
  cross-*   a database built by one side read by the other: praliases,
            -bv through the database, and the oracle's makemap -u on ours.
  bvt-*     -bv with no database, so that both read the text version
            (bvt-db-*: each side's own database first).
  pr-*      praliases of both on databases the oracle built.

Prints `PASS diff <case>: N/N lines matched`, `FAIL diff ...` (then the
first differences) or `SKIP diff ...` per case, as regress/run_tests.py
counts them.  Usage: alias_diff.py [--bin DIR] [--show] [--keep] [case...]
Exit status: 0 nothing failed, 1 something failed, 77 everything skipped.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

from oracle_env import (diff_lines, show_diff, transcript,
                        REGRESS, Skip, build_cf, make_tmp, make_tree,
                        normalise, oracle_binary, oracle_env, oracle_root,
                        our_binary, ours_env, run_ns, unshare_prefix, write)

MAX_SHOWN = 8

# a raw dumper for Berkeley DB files (makemap -u strips the NULs)
DUMP_C = r"""
#include <db.h>
#include <stdio.h>
#include <string.h>
static void put(const DBT *d) {
	u_int32_t i;
	for (i = 0; i < d->size; i++) {
		unsigned char c = ((unsigned char *)d->data)[i];
		if (c < 32 || c > 126 || c == '\\') printf("\\%03o", c);
		else putchar(c);
	}
}
int main(int argc, char **argv) {
	DB *db; DBC *c; DBT k, v;
	if (argc != 2 || db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, argv[1], NULL, DB_UNKNOWN, DB_RDONLY, 0) != 0) {
		printf("cannot open\n"); return 1;
	}
	if (db->cursor(db, NULL, &c, 0) != 0) return 1;
	memset(&k, 0, sizeof k); memset(&v, 0, sizeof v);
	while (c->get(c, &k, &v, DB_NEXT) == 0) {
		put(&k); putchar('\t'); put(&v); putchar('\n');
	}
	return 0;
}
"""

LONG = "x" * 8300
LONG_CONT = "a: " + "y" * 8180 + "\n  " + "z" * 40 + "\nb: c\n"

# ---- bi cases: (name, {file: text}, AliasFile spec or None, extra argv)
# "aliases" is the cf's own file; a spec names files relative to etc/.
BI = [
    ("simple", {"aliases": "postmaster: root\nroot: joe\n"}, None, []),
    ("empty-file", {"aliases": ""}, None, []),
    ("comments-blank", {"aliases": "# c\n\npostmaster: root\n# x\n\n"
                        "info: joe\n"}, None, []),
    ("no-final-newline", {"aliases": "a: b\nc: d"}, None, []),
    ("cont-space", {"aliases": "list: joe,\n bob,\n  root\n"}, None, []),
    ("cont-tab", {"aliases": "list: joe,\n\tbob\n"}, None, []),
    ("cont-backslash", {"aliases": "list: joe, \\\n  bob\nx: y\\\nz\n"},
     None, []),
    ("cont-mixed", {"aliases": "l: a,\\\n b,\n\tc\\\nd\ne: f\n"}, None, []),
    ("cont-after-comment", {"aliases": "a: b\n# c\n  x\nd: e\n"}, None,
     []),
    ("cont-after-blank", {"aliases": "a: b\n\n  x\nd: e\n"}, None, []),
    ("leading-space-first", {"aliases": "  lead: x\n  more\nA: x\n"},
     None, []),
    ("trailing-space-value", {"aliases": "a: b  \nc:d,\n   \n"}, None,
     []),
    ("missing-colon", {"aliases": "a: b\nnocolon\n  cont of it\nq: r\n"},
     None, []),
    ("missing-value", {"aliases": "empty:\nblank:   \nok: x\n"}, None, []),
    ("duplicates", {"aliases": "dup: a\nDup: b\ndup: c\n"}, None, []),
    ("dup-spaced-name", {"aliases": "dup : a\ndup:b\n"}, None, []),
    ("colon-in-value", {"aliases": "x:y:z\nurl: a:b\n"}, None, []),
    ("uppercase-names", {"aliases": "MixedCase: joe\nPostMaster: Root\n"},
     None, []),
    ("quoted-names", {"aliases": "\"quoted name\": joe\n\"Q x\": y\n"},
     None, []),
    ("spaces-in-name", {"aliases": "name with space: joe\nxx yy  zz: q\n"},
     None, []),
    ("phrase-and-comment-names", {"aliases": "Joe Smith <js>: q\n"
                                  "(cmt) c2: y\n"}, None, []),
    ("local-host-names", {"aliases": "root@localhost: y\n"
                          "foo@example.test: x\njoe@vm.example.test: z\n"},
     None, []),
    ("non-local-name", {"aliases": "joe@remote.example: x\nok: y\n"},
     None, []),
    ("illegal-name", {"aliases": ": nokey\n@: foo\n<bad: z\n"}, None, []),
    ("backslash-name", {"aliases": "\\\\back: r\nJOE\\\\x: z\n"}, None,
     []),
    ("include-prog-file", {"aliases": "inc: :include:/etc/mail/list\n"
                           "prog: \"|/usr/bin/vacation joe\"\n"
                           "file: /var/log/aliasfile\n"
                           "mix: joe, \"|/bin/cat\", /tmp/f, "
                           ":include:/x\n"}, None, []),
    ("owner-request", {"aliases": "list: joe, bob\nowner-list: joe\n"
                       "list-request: joe\nowner-owner: postmaster\n"},
     None, []),
    ("crlf", {"aliases": "a: b\r\nc: d\r\n"}, None, []),
    ("eight-bit", {"aliases": "caf\xe9: b\nx: caf\xe9\n"}, None, []),
    ("utf8", {"aliases": "caf\u00e9: b\nx: \u00fcber\n"}, None, []),
    ("line-too-long", {"aliases": "a: " + LONG + "\nb: c\n"}, None, []),
    ("continuation-too-long", {"aliases": LONG_CONT}, None, []),
    ("long-value-fits", {"aliases": "a: " + "v" * 8000 + "\nb: c\n"},
     None, []),
    ("backslash-at-eof", {"aliases": "a: b\\"}, None, []),
    ("backslash-newline-eof", {"aliases": "a: b\\\n"}, None, []),
    ("lone-backslash-line", {"aliases": "a: b\n\\\nc: d\n"}, None, []),
    ("many", {"aliases": "".join("user%d: joe, bob%d\n" % (i, i)
                                 for i in range(300))}, None, []),
    # CheckAliases: -on, and the option
    ("check-good", {"aliases": "a: joe, bob@remote.example, \"|/bin/x\"\n"},
     None, ["-on"]),
    ("check-unbalanced", {"aliases": "a: <bad\nb: joe, <x, y\n"
                          "c: joe, x>\nd: \"unterm\n"}, None, ["-on"]),
    ("check-bad-address", {"aliases": "a: joe, (unbal\n"}, None, ["-on"]),
    ("check-route", {"aliases": "d: a@b@c\n"}, None, ["-on"]),
    ("check-dup", {"aliases": "dup: a\ndup: b, c\n"}, None, ["-on"]),
    ("check-option", {"aliases": "a: <x\n"}, None,
     ["-O", "CheckAliases=True"]),
    ("check-long-address", {"aliases": "l: " + "y" * 300 + ">\n"}, None,
     ["-on"]),
    # FEATURE(redirect) refuses .REDIRECT only outside -bi
    ("check-redirect", {"aliases": "moved: joe@new.example.REDIRECT\n"
                        "bad: x@err.example\n"}, None, ["-on"]),
    # several files, classes
    ("two-files", {"al1": "a: b\n", "al2": "c: d\n"},
     "@E@/al1,hash:@E@/al2", []),
    ("three-files-order", {"al1": "a: b\n", "al2": "c: d\n"},
     "@E@/al1,@E@/nosuch,@E@/al2", []),
    ("btree-implicit", {"al1": "a: b\n", "al2": "c: d\n"},
     "btree:@E@/al1, implicit:@E@/al2", []),
    ("hash-N", {"al1": "a: b\n"}, "hash:-N @E@/al1", []),
    ("missing-file", {}, "@E@/nosuch", []),
    ("missing-optional", {}, "hash:-o @E@/nosuch", []),
    # given with -O: from the cf, sendmail names its line (ours: gap)
    ("unknown-class", {"al1": "a: b\n"}, "@E@/al1",
     ["-O", "AliasFile=dbm:@E@/al1"]),
    ("text-class", {"al1": "a: b\n"}, "text:@E@/al1", []),
    ("nis-and-file", {"al1": "a: b\n"}, "nis:mail.aliases,@E@/al1", []),
    ("spaces-in-option", {"al1": "a: b\n", "al2": "c: d\n"},
     "@E@/al1  ,  @E@/al2", []),
    # the alias file flock'ed by another process (@FLOCK@: flock(1) holds
    # it around the run): left alone, "maybe being rebuilt"
    ("locked", {"aliases": "a: b\n"}, None, ["@FLOCK@"]),
    ("locked-one-of-two", {"al1": "a: b\n", "al2": "c: d\n"},
     "@E@/al1,@E@/al2", ["@FLOCK@al2"]),
    # -A: a duplicate's value joined in front of the earlier one
    ("append-dups", {"al1": "dup: a\nDup: b\nx: y\ndup: c, d\n"},
     "hash:-A @E@/al1", []),
]

# ---- -bv with no database: sendmail reads the text version (the same
# grammar and name parsing as newaliases).  (name, aliases text, argv)
BVT_TEXT = ("# text version\npostmaster: root\nlist: joe,\n\tbob,\\\n"
            " info\ninfo: \\joe\nname with space: joe\n"
            "\"quoted name\": bob\nJoe Smith <js>: joe\nx:y:z\n"
            "dup: joe\nDUP: bob\nUpper: root\n")
BVT = [
    ("grammar", BVT_TEXT, ["-bv", "list", "info", "name.with.space",
                           "\"quoted name\"", "js", "x", "dup", "upper"]),
    ("verbose", BVT_TEXT, ["-v", "-bv", "list"]),
    ("errors", "nocolon\n: x\nempty:\nremote@remote.example: joe\n"
     "ok: joe\n", ["-bv", "ok", "empty", "nocolon"]),
    ("errors-verbose", "nocolon\nempty:\nok: joe\n", ["-v", "-bv", "ok"]),
    ("crlf-and-continuation-eof", "a: joe\r\nb: joe,\\", ["-bv", "a",
                                                         "b"]),
    ("chain-verbose", "a: b\nb: c, \\d\nc: joe\n", ["-v", "-bv", "a"]),
    # a 551 from the rulesets has no "addr... " before it, a 550 has
    ("redirect", "moved: joe@new.example.REDIRECT\nerr: x@err.example\n",
     ["-bv", "moved", "err"]),
    # with a database each side built first (@DB@): -v names the address
    # being aliased
    ("db-chain-verbose", "a: b\nb: c, \\d\nc: joe\nd: x\n",
     ["@DB@", "-v", "-bv", "a", "b"]),
    ("db-quoted-and-backslash", BVT_TEXT, ["@DB@", "-bv",
                                           "\"quoted name\"", "info",
                                           "\\list", "js"]),
]

# ---- praliases on oracle-built databases: (name, argv)
PR = [
    ("all", ["-C", "@CF2@"]),
    ("keys", ["-C", "@CF2@", "upper", "Upper", "nosuch", "x"]),
    ("f-file", ["-f", "@E@/al1"]),
    ("f-file-db", ["-f", "@E@/al1.db"]),
    ("f-key", ["-f", "@E@/al1", "b"]),
    ("f-missing", ["-f", "@E@/nosuch"]),
    ("f-missing-key", ["-f", "@E@/nosuch", "k"]),
    ("missing-cf", ["-C", "@TMP@/nosuch.cf"]),
    ("bad-option", ["-z"]),
    ("f-no-arg", ["-f"]),
    ("C-and-f", ["-C", "@CF2@", "-f", "@E@/al2"]),
    ("f-nis", ["-f", "nis:foo"]),
    ("f-empty-name", ["-f", "hash:"]),
    ("f-btree", ["-f", "btree:@E@/al3"]),
    ("f-flags", ["-f", "hash:-N @E@/al1"]),
]








class World:
    def __init__(self, root, prefix, tmp, ours):
        self.root = root
        self.prefix = prefix
        self.tmp = tmp
        self.etc = os.path.join(tmp, "etc")
        self.sbin = os.path.join(root, "usr/libexec/sendmail")
        self.ours = ours
        self.ourbin = os.path.dirname(ours)
        self.cf = build_cf("centos7", root, tmp)
        with open(self.cf) as f:
            self.cftext = f.read()
        self.dumper = self.build_dumper()

    def build_dumper(self):
        d = os.path.join(REGRESS, ".cache", "aliasdump")
        exe = os.path.join(d, "aliasdump")
        if os.access(exe, os.X_OK):
            return exe
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, "aliasdump.c")
        write(src, DUMP_C)
        p = subprocess.run(["cc", "-o", exe, src, "-ldb"],
                           capture_output=True, text=True)
        return exe if p.returncode == 0 else None

    def run(self, who, argv, stdin=None):
        env = oracle_env(self.root) if who == "oracle" else ours_env()
        return run_ns(self.prefix, self.tmp, argv, env, stdin=stdin)

    def binary(self, who, name):
        if who == "oracle":
            return os.path.join(self.sbin, name)
        if name == "sendmail":
            return self.ours
        return os.path.join(self.ourbin, name)

    def subst(self, a, cfs=None):
        a = a.replace("@E@", self.etc).replace("@TMP@", self.tmp)
        if cfs:
            for k, v in cfs.items():
                a = a.replace(k, v)
        return a

    def cf_with(self, spec, name):
        text = re.sub(r"(?m)^O AliasFile=.*$", "O AliasFile=" + spec,
                      self.cftext)
        path = os.path.join(self.tmp, name + ".cf")
        write(path, text)
        return path

    def clean_etc(self):
        for f in os.listdir(self.etc):
            p = os.path.join(self.etc, f)
            if os.path.isfile(p) and (f.startswith("al") or
                                      f.startswith("aliases") or
                                      f.startswith("nosuch")):
                os.unlink(p)

    def dump(self, dbfile):
        """makemap -u (order kept) and the raw dump (sorted) of a .db."""
        out = b"----- makemap -u %s\n" % os.fsencode(dbfile)
        if not os.path.exists(dbfile):
            return out + b"(no file)\n"
        mm = os.path.join(self.sbin, "makemap")
        kind = "btree" if self.is_btree(dbfile) else "hash"
        o, e, r = self.run("oracle", [mm, "-C", "/dev/null", "-u", kind,
                                      dbfile])
        out += o + e + b"exit %d\n" % r
        st = os.stat(dbfile)
        out += b"----- mode %o\n" % (st.st_mode & 0o7777)
        if self.dumper:
            p = subprocess.run([self.dumper, dbfile], capture_output=True)
            out += b"----- raw (sorted)\n"
            out += b"\n".join(sorted(p.stdout.split(b"\n"))) + b"\n"
        return out

    @staticmethod
    def is_btree(path):
        with open(path, "rb") as f:
            head = f.read(16)
        # Berkeley DB magic at offset 12: hash 0x061561, btree 0x053162
        return len(head) >= 16 and head[12:16] in (b"\x62\x31\x05\x00",
                                                   b"\x00\x05\x31\x62")


def bi_case(w, who, files, spec, extra):
    w.clean_etc()
    for name, text in files.items():
        with open(os.path.join(w.etc, name), "w", encoding="latin-1",
                  errors="surrogateescape") as f:
            f.write(text)
    if spec is None:
        cf = w.cf
        dbs = [os.path.join(w.etc, "aliases.db")]
    else:
        cf = w.cf_with(w.subst(spec), "bi-" + who)
        dbs = sorted(os.path.join(w.etc, n) + ".db"
                     for n in ("al1", "al2", "nosuch"))
    lock = [a for a in extra if a.startswith("@FLOCK@")]
    extra = [a for a in extra if not a.startswith("@FLOCK@")]
    argv = ([w.binary(who, "sendmail"), "-C", cf] +
            [w.subst(a) for a in extra] + ["-bi"])
    for a in lock:
        argv = ["flock", "-n", os.path.join(w.etc, a[7:] or "aliases")] + \
            argv
    o, e, r = w.run(who, argv)
    t = transcript(o, e, r)
    for db in dbs:
        t += w.dump(db)
    t = t.replace(os.fsencode(cf), b"@CF@")
    return normalise(t.replace(os.fsencode(w.binary(who, "sendmail")),
                               b"@SENDMAIL@"), w.tmp)


def bvt_case(w, who, text, argv):
    """-bv of `who` with only the text version of the aliases."""
    w.clean_etc()
    with open(os.path.join(w.etc, "aliases"), "w", encoding="latin-1",
              errors="surrogateescape") as f:
        f.write(text)
    if "@DB@" in argv:
        argv = [a for a in argv if a != "@DB@"]
        w.run(who, [w.binary(who, "sendmail"), "-C", w.cf, "-bi"])
    o, e, r = w.run(who, [w.binary(who, "sendmail"), "-C", w.cf] + argv)
    t = transcript(o, e, r)
    t += w.dump(os.path.join(w.etc, "aliases.db"))
    t = t.replace(os.fsencode(w.cf), b"@CF@")
    return normalise(t.replace(os.fsencode(w.binary(who, "sendmail")),
                               b"@SENDMAIL@"), w.tmp)


def build_with(w, who, text, spec_files=None):
    """Build aliases.db (and al1..al3 for praliases) with `who`."""
    w.clean_etc()
    write(os.path.join(w.etc, "aliases"), text)
    o, e, r = w.run(who, [w.binary(who, "sendmail"), "-C", w.cf, "-bi"])
    if spec_files:
        for n, t in spec_files.items():
            write(os.path.join(w.etc, n), t)
        spec = "@E@/al1,hash:@E@/al2,btree:@E@/al3"
        cf = w.cf_with(w.subst(spec), "pr-build")
        w.run(who, [w.binary(who, "sendmail"), "-C", cf, "-bi"])
        return cf
    return None


CROSS_TEXT = ("# cross\npostmaster: root\ninfo: joe\nlist: joe,\n\tbob\n"
              "Upper: root\nname with space: joe\n\"q n\": bob\n"
              "prog: \"|/bin/cat\"\nfile: /tmp/aliasfile\n"
              "remote: someone@remote.example\n")


def cross_cases():
    """(name, builder, reader argv maker) pairs."""
    out = []
    for builder, reader in (("oracle", "ours"), ("ours", "oracle")):
        tag = "%s-built-%s-read" % (builder, reader)
        out.append(("cross-praliases-" + tag, builder, reader,
                    lambda w, who: [w.binary(who, "praliases"), "-C", w.cf]))
        out.append(("cross-praliases-keys-" + tag, builder, reader,
                    lambda w, who: [w.binary(who, "praliases"), "-C", w.cf,
                                    "info", "upper", "Upper", "@",
                                    "name.with.space", "nosuch"]))
        out.append(("cross-bv-" + tag, builder, reader,
                    lambda w, who: [w.binary(who, "sendmail"), "-C", w.cf,
                                    "-bv", "info", "list", "postmaster",
                                    "name.with.space", "prog", "file",
                                    "remote"]))
        out.append(("cross-bv-verbose-" + tag, builder, reader,
                    lambda w, who: [w.binary(who, "sendmail"), "-C", w.cf,
                                    "-v", "-bv", "list"]))
    out.append(("cross-makemap-u-ours-built", "ours", "oracle",
                lambda w, who: [os.path.join(w.sbin, "makemap"), "-C",
                                "/dev/null", "-u", "hash",
                                os.path.join(w.etc, "aliases")]))
    out.append(("cross-editmap-q-ours-built", "ours", "oracle",
                lambda w, who: [os.path.join(w.sbin, "editmap"), "-C",
                                "/dev/null", "-N", "-q", "hash",
                                os.path.join(w.etc, "aliases"), "list"]))
    return out


def run_cross(w, builder, reader, mk):
    """The reader's output on the builder's database, and the same
    reader on its own database (what it should say)."""
    res = {}
    for b in (builder, reader):
        build_with(w, b, CROSS_TEXT)
        argv = mk(w, reader)
        o, e, r = w.run(reader, argv)
        t = transcript(o, e, r)
        t = t.replace(os.fsencode(w.cf), b"@CF@")
        for who in ("oracle", "ours"):
            for n in ("sendmail", "praliases"):
                t = t.replace(os.fsencode(w.binary(who, n)),
                              b"@" + n.upper().encode() + b"@")
        res[b] = normalise(t, w.tmp)
    # want: the reader on its own build; got: on the other's
    return res[reader], res[builder]


PR_FILES = {"al1": "Upper: root\nb: c\n", "al2": "x: y\n",
            "al3": "t: u\nv: w\n"}


def run_pr(w, who, argv, cf2):
    args = [w.subst(a, {"@CF2@": cf2}) for a in argv]
    o, e, r = w.run(who, [w.binary(who, "praliases")] + args)
    t = transcript(o, e, r)
    t = t.replace(os.fsencode(cf2), b"@CF2@")
    t = t.replace(os.fsencode(w.binary(who, "praliases")), b"@PRALIASES@")
    return normalise(t, w.tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="folder holding our binaries")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()

    names = (["bi-" + c[0] for c in BI] + [c[0] for c in cross_cases()] +
             ["bvt-" + c[0] for c in BVT] + ["pr-" + c[0] for c in PR])
    sel = [n for n in names if not opt.names or n in opt.names or
           any(n.startswith(x) for x in opt.names)]
    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
    except Skip as e:
        for n in sel:
            print("SKIP diff %s: %s" % (n, e))
        return 77
    ours = our_binary(opt.bin)
    tmp = make_tmp("alias_diff.")
    counts = {"PASS": 0, "FAIL": 0}

    def verdict(name, want, got):
        a, b, sm, same, total = diff_lines(want, got)
        ok = want == got
        v = "PASS" if ok else "FAIL"
        counts[v] += 1
        print("%s diff %s: %d/%d lines matched" % (v, name, same, total))
        if opt.show:
            print("  --- oracle\n" + want.decode("latin-1"))
            print("  --- ours\n" + got.decode("latin-1"))
        elif not ok:
            show_diff(a, b, sm, MAX_SHOWN, 300)
        sys.stdout.flush()

    try:
        make_tree(root, tmp)
        w = World(root, prefix, tmp, ours)
        for name, files, spec, extra in BI:
            if "bi-" + name not in sel:
                continue
            want = bi_case(w, "oracle", files, spec, extra)
            got = bi_case(w, "ours", files, spec, extra)
            verdict("bi-" + name, want, got)
        for name, builder, reader, mk in cross_cases():
            if name not in sel:
                continue
            want, got = run_cross(w, builder, reader, mk)
            verdict(name, want, got)
        for name, text, argv in BVT:
            if "bvt-" + name not in sel:
                continue
            want = bvt_case(w, "oracle", text, argv)
            got = bvt_case(w, "ours", text, argv)
            verdict("bvt-" + name, want, got)
        if any(n.startswith("pr-") for n in sel):
            cf2 = build_with(w, "oracle", CROSS_TEXT, PR_FILES)
            for name, argv in PR:
                if "pr-" + name not in sel:
                    continue
                want = run_pr(w, "oracle", argv, cf2)
                got = run_pr(w, "ours", argv, cf2)
                verdict("pr-" + name, want, got)
    finally:
        if opt.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("alias_diff: %d cases: %d passed, %d failed" %
          (len(sel), counts["PASS"], counts["FAIL"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
