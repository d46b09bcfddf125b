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
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESS = os.path.dirname(HERE)
REPO = os.path.dirname(REGRESS)
BT_DIR = os.path.join(HERE, "bt")

HOSTNAME = "vm.example.test"
TMP_TOKEN = "@TMP@"
RUN_TIMEOUT = 50          # seconds per run; a 60 s hostname stall must fail
MAX_SHOWN = 12            # differing lines printed per cf

# name -> (where the .mc is: "shared" or "oracle-cf", .mc file, input
# file in bt/, service switch for hosts).  Each cf runs twice: with
# "hosts files" (lookups answered from our /etc/hosts, so rulesets run to
# their normal end) and, as <name>-dnsfail, with Debian's "hosts files dns"
# where every DNS query fails (status 75 paths, "Name server timeout").
MCS = {
    "centos7": ("shared", "centos7-rhel7-sendmail.mc"),
    "submit": ("shared", "centos7-rhel7-submit.mc"),
    "generic-linux": ("oracle-cf", "generic-linux.mc"),
}
SWITCH = {
    "": "hosts\tfiles\naliases\tfiles\n",
    "-dnsfail": "hosts\tfiles dns\naliases\tfiles\n",
}
CFS = {}
for _mc in MCS:
    for _sfx in SWITCH:
        CFS[_mc + _sfx] = (_mc, _sfx)


LOCAL_HOST_NAMES = """\
# names of this host (test)
mail.example.test
example.test
"""

TRUSTED_USERS = """\
# trusted users (test)
smmsp
"""

RELAY_DOMAINS = """\
relaydom.example
"""

ACCESS = """\
Connect:127.0.0.1\tRELAY
Connect:192.0.2.66\tREJECT
Connect:10.1\tOK
Connect:198.51.100\tDISCARD
Connect:spam.example\tERROR:"550 no spam here"
From:spammer@bad.example\tREJECT
From:nice@\tDISCARD
From:tempfail.example\tERROR:4.7.1:451 try later
From:<>\tOK
To:blocked@example.test\tERROR:550 go away
To:relayok.example\tRELAY
To:postmaster@\tOK
To:abuse@example.test\tOK
bad.example\tREJECT
friend.example\tRELAY
192.0.2.77\tREJECT
baduser@\tREJECT
"""

MAILERTABLE = """\
mt.example\tesmtp:[relay.example.net]
.sub.mt.example\tsmtp:gw.mt.example
uucp.example\tuucp-dom:uuhost
err.example\terror:5.7.1:550 no mail here
local.example\tlocal:postmaster
"""

VIRTUSERTABLE = """\
info@example.test\tjoe
sales@example.test\tjoe@remote.example
@virt.example\tcatchall@example.test
bob@virt.example\tbob
nobody@example.test\terror:nouser 550 No such user here
@plus.example\t%1@elsewhere.example
"""

HOSTS = """\
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
192.0.2.2\tvm.example.test vm
192.0.2.10\tmx.example.test mx
192.0.2.20\tfriend.example
"""

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
smmsp:x:25:25:Mail Submission Program:/var/lib/sendmail:/usr/sbin/nologin
joe:x:1001:100:Joe User:/home/joe:/bin/sh
bob:x:1002:100:Bob Q. Public,,,:/home/bob:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""

GROUP = """\
root:x:0:
daemon:x:1:
mail:x:8:
uucp:x:10:
smmsp:x:25:
users:x:100:
nogroup:x:65534:
"""

RESOLV = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"


class Skip(Exception):
    pass


def shared_dir():
    """The shared examples: $SHARED_DIR, /work/shared, or ../shared."""
    cands = []
    if os.environ.get("SHARED_DIR"):
        cands.append(os.environ["SHARED_DIR"])
    cands += ["/work/shared", os.path.join(os.path.dirname(REPO), "shared")]
    for c in cands:
        if os.path.isdir(os.path.join(c, "examples", "mc")):
            return c
    raise Skip("shared examples not found (tried %s)" % ", ".join(cands))


def oracle_root():
    """Fetch (or find) the oracle; returns its unpacked root folder."""
    script = os.path.join(REGRESS, "oracle.sh")
    try:
        p = subprocess.run(["sh", script], capture_output=True, text=True,
                           timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Skip("oracle.sh: %s" % e)
    if p.returncode != 0:
        raise Skip("oracle unavailable: %s" % p.stderr.strip())
    binary = p.stdout.strip().splitlines()[-1]
    # .../root/usr/libexec/sendmail/sendmail -> .../root
    return os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(binary))))


def unshare_prefix():
    """The unshare command line that works here, or Skip."""
    probe = "hostname %s && mount --bind /dev/null /dev/null" % HOSTNAME
    for pre in (["unshare", "--uts", "--net", "--mount"],
                ["unshare", "-r", "--uts", "--net", "--mount"]):
        try:
            p = subprocess.run(pre + ["sh", "-c", probe],
                               capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if p.returncode == 0:
            return pre
    raise Skip("cannot unshare uts/net/mount namespaces here")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def makemap(root, tmp, kind, name, text):
    """Build tmp/etc/mail/<name>.db with the oracle's makemap."""
    mm = os.path.join(root, "usr/libexec/sendmail/makemap")
    out = os.path.join(tmp, "etc/mail", name)
    write(out, text)
    env = oracle_env(root)
    with open(out) as src:
        p = subprocess.run([mm, "-C", "/dev/null", kind, out], stdin=src, capture_output=True,
                           text=True, env=env, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("makemap %s failed: %s" % (name, p.stderr))


def oracle_env(root):
    return {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C", "LC_ALL": "C", "TZ": "UTC",
        "LD_LIBRARY_PATH": os.path.join(root, "usr/lib/x86_64-linux-gnu"),
    }


def ours_env():
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C", "LC_ALL": "C", "TZ": "UTC"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def make_tree(root, tmp):
    """The files the rewritten cfs read, all inside tmp."""
    for d in ("etc/mail", "var/spool/mqueue", "var/spool/clientmqueue",
              "var/log/mail", "run"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    em = os.path.join(tmp, "etc/mail")
    write(os.path.join(em, "local-host-names"), LOCAL_HOST_NAMES)
    write(os.path.join(em, "trusted-users"), TRUSTED_USERS)
    write(os.path.join(em, "relay-domains"), RELAY_DOMAINS)
    write(os.path.join(tmp, "etc/aliases"), "postmaster: root\n")
    write(os.path.join(tmp, "hosts"), HOSTS)
    write(os.path.join(tmp, "resolv.conf"), RESOLV)
    write(os.path.join(tmp, "passwd"), PASSWD)
    write(os.path.join(tmp, "group"), GROUP)
    for sfx, text in SWITCH.items():
        write(os.path.join(em, "service.switch" + sfx), text)
    makemap(root, tmp, "hash", "access", ACCESS)
    makemap(root, tmp, "hash", "mailertable", MAILERTABLE)
    makemap(root, tmp, "hash", "virtusertable", VIRTUSERTABLE)


def rewrite_paths(text, tmp):
    """Point every host file the cf names into tmp."""
    for old in ("/etc/mail/", "/etc/aliases", "/var/spool/", "/var/log/",
                "/run/"):
        text = text.replace(old, tmp + old)
    return text


def set_switch(cf, path):
    """Make the cf name its service switch file (hosts: files / dns)."""
    lines = cf.split("\n")
    opt = "O ServiceSwitchFile=" + path
    for i, line in enumerate(lines):
        if line.startswith(("O ServiceSwitchFile=", "#O ServiceSwitchFile=")):
            lines[i] = opt
            return "\n".join(lines)
    for i, line in enumerate(lines):
        if line.startswith("V"):
            lines.insert(i + 1, opt)
            return "\n".join(lines)
    raise RuntimeError("no V line in cf")


def build_cf(name, root, tmp):
    base, sfx = CFS[name]
    kind, mc = MCS[base]
    cfdir = os.path.join(root, "usr/share/sendmail/cf")
    if kind == "shared":
        with open(os.path.join(shared_dir(), "examples/mc", mc)) as f:
            src = f.read()
        src = src.replace("/usr/share/sendmail-cf/m4/cf.m4",
                          os.path.join(cfdir, "m4/cf.m4"))
        mcpath = os.path.join(tmp, mc)
        write(mcpath, src)
        args = ["m4", "-D_CF_DIR_=%s/" % cfdir, mcpath]
    else:
        args = ["m4", "-D_CF_DIR_=%s/" % cfdir,
                os.path.join(cfdir, "m4/cf.m4"),
                os.path.join(cfdir, "cf", mc)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("m4 %s failed: %s" % (mc, p.stderr))
    cf = rewrite_paths(p.stdout, tmp)
    cf = set_switch(cf, os.path.join(tmp, "etc/mail/service.switch" + sfx))
    out = os.path.join(tmp, name + ".cf")
    write(out, cf)
    return out


def run_bt(prefix, binary, cf, inp, env, tmp):
    """Run `binary -bt -C cf < inp` in fresh namespaces; (out, err, rc)."""
    script = ('for f in hosts resolv.conf passwd group; do '
              'mount --bind "$1/$f" "/etc/$f" || exit 125; done && '
              'hostname %s && cd "$1" && exec "$2" -bt -C "$3"' % HOSTNAME)
    with open(inp, "rb") as f:
        try:
            p = subprocess.run(prefix + ["sh", "-c", script, "sh", tmp,
                                         binary, cf],
                               stdin=f, capture_output=True, env=env,
                               timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            return (e.stdout or b"", (e.stderr or b"") +
                    b"\n*** timed out after %d s\n" % RUN_TIMEOUT, -1)
    return p.stdout, p.stderr, p.returncode


def normalise(data, tmp):
    return data.replace(tmp.encode(), TMP_TOKEN.encode())


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


def our_binary(bindir):
    d = bindir or os.environ.get("BIN") or os.path.join(REPO, "bin")
    return os.path.join(d, "sendmail")


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
    # not under /tmp: sendmail refuses files below a world-writable folder
    base = os.path.join(REGRESS, ".cache", "tmp")
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bt_diff.", dir=base)
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
            oracle = os.path.join(root, "usr/libexec/sendmail/sendmail")
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
