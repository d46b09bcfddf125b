"""The hermetic world the differential tests run sendmail in.

Shared by bt_diff.py (-bt transcripts) and mode_diff.py (-bv, -bC, -d0.1,
invocation errors) and by regress/bench/bt_bench.sh, so that the oracle
(the real sendmail 8.17 fetched by regress/oracle.sh) and ours always see
the same files:

  * a cf compiled from a .mc with the oracle's sendmail-cf, every host path
    in it (/etc/mail/, /etc/aliases, /var/spool/, /var/log/, /run/)
    rewritten into a temporary folder holding test maps;
  * `unshare --uts --net --mount` with host name vm.example.test (an
    unqualified name makes sendmail sleep 60 s; no network makes DNS fail
    fast and the same way for both) and /etc/hosts, resolv.conf, passwd
    and group bind-mounted from the temporary folder.

Command line (used by bt_bench.sh):
  oracle_env.py setup DIR [cf ...]   build the tree and cfs in DIR and print
                                     "root=<oracle root>", "prefix=<unshare
                                     argv>", "<cf>=<path>" lines
"""

import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESS = os.path.dirname(HERE)
REPO = os.path.dirname(REGRESS)

HOSTNAME = "vm.example.test"
TMP_TOKEN = "@TMP@"
RUN_TIMEOUT = 50          # seconds per run; a 60 s hostname stall must fail

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

ALIASES = "postmaster: root\n"

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


def oracle_world():
    """(oracle root, unshare prefix) once m4 is known to be there too;
    Skip with the reason otherwise."""
    root = oracle_root()
    prefix = unshare_prefix()
    if not shutil.which("m4"):
        raise Skip("m4 not installed")
    return root, prefix


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


def make_tree(root, tmp, aliases=ALIASES):
    """The files the rewritten cfs read, all inside tmp."""
    for d in ("etc/mail", "var/spool/mqueue", "var/spool/clientmqueue",
              "var/log/mail", "run"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    em = os.path.join(tmp, "etc/mail")
    write(os.path.join(em, "local-host-names"), LOCAL_HOST_NAMES)
    write(os.path.join(em, "trusted-users"), TRUSTED_USERS)
    write(os.path.join(em, "relay-domains"), RELAY_DOMAINS)
    write(os.path.join(tmp, "etc/aliases"), aliases)
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
    # the load average is the machine's, not the case's: at make check's
    # own load (about 18) sendmail's default QueueLA (8) left messages
    # queued in its -qf runs and the queue comparisons failed
    cf = cf.replace("\n#O QueueLA=8\n", "\nO QueueLA=999\n").replace(
        "\n#O RefuseLA=12\n", "\nO RefuseLA=999\n")
    out = os.path.join(tmp, name + ".cf")
    write(out, cf)
    return out


def oracle_binary(root):
    return os.path.join(root, "usr/libexec/sendmail/sendmail")


def our_binary(bindir):
    d = bindir or os.environ.get("BIN") or os.path.join(REPO, "bin")
    return os.path.join(d, "sendmail")


def _world_writable_above(path):
    """True when path or a folder above it is writable by everyone."""
    path = os.path.abspath(path)
    while True:
        try:
            if os.stat(path).st_mode & 0o002:
                return True
        except OSError:
            pass
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


def make_tmp(prefix):
    """A fresh folder for one run's files.  sendmail refuses files below
    a world-writable folder (/tmp, /var/tmp), so a checkout under one of
    those puts its test trees elsewhere (safe_base)."""
    return tempfile.mkdtemp(prefix=prefix, dir=safe_base())


def safe_base():
    """The folder make_tmp puts its trees in: regress/.cache/tmp, or, when
    the checkout sits below a world-writable folder, one that others may
    enter (cases run as other users) but not write: /var/cache as root,
    else $HOME/.cache."""
    base = os.path.join(REGRESS, ".cache", "tmp")
    if _world_writable_above(base):
        if os.geteuid() == 0:
            base = "/var/cache/mailsys-regress"
        else:
            base = os.path.join(os.path.expanduser("~"), ".cache",
                                "mailsys-regress")
        if _world_writable_above(base):
            raise Skip("no folder without world-writable parents for the "
                       "test tree (set HOME)")
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o755)
    return base


# the script run inside the namespaces: $1 the temporary folder, the rest
# the command line to exec
NS_SCRIPT = ('for f in hosts resolv.conf passwd group; do '
             'mount --bind "$1/$f" "/etc/$f" || exit 125; done && '
             'hostname %s && cd "$1" && shift && exec "$@"' % HOSTNAME)


def run_ns(prefix, tmp, argv, env, stdin=None, timeout=RUN_TIMEOUT,
           script=NS_SCRIPT):
    """Run argv in fresh namespaces (see above); (stdout, stderr, status).

    stdin is bytes, an open file, or None (then /dev/null).  A run that
    outlives timeout returns status -1 and a note on stderr."""
    kw = {}
    if isinstance(stdin, (bytes, bytearray)):
        kw["input"] = bytes(stdin)
    else:
        kw["stdin"] = stdin if stdin is not None else subprocess.DEVNULL
    try:
        p = subprocess.run(prefix + ["sh", "-c", script, "sh", tmp] +
                           list(argv), capture_output=True, env=env,
                           timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"", (e.stderr or b"") +
                b"\n*** timed out after %d s\n" % timeout, -1)
    return p.stdout, p.stderr, p.returncode


# the syslog of a new mount namespace caught: /dev is a tmpfs with the
# device files bound back in and /dev/log bound to the socket $1/log
# (also regress/proto/test_fail2ban.py's daemons)
DEV_LOG_SCRIPT = ('mkdir -p "$1/.olddev" && mount --rbind /dev "$1/.olddev" && '
                  'mount -t tmpfs tmpfs /dev && '
                  'for f in null zero random urandom full tty; do '
                  'touch /dev/$f && mount --bind "$1/.olddev/$f" /dev/$f '
                  '|| exit 125; done && touch /dev/log && '
                  'mount --bind "$1/log" /dev/log && ')
# NS_SCRIPT with the syslog of the namespace caught
NS_LOG_SCRIPT = DEV_LOG_SCRIPT + NS_SCRIPT

# instead of exec "$@": run it, then wait (at most 30 s) until every
# process it left behind has ended (the script is the pid namespace's
# init, so /proc lists exactly those; zombies do not count), as a
# background delivery (-odb) outlives the command
WAIT_ALL = ('"$@"; rc=$?; n=0; while [ $n -lt 300 ]; do busy=0; '
            'for p in /proc/[0-9]*; do [ "$p" = /proc/1 ] && continue; '
            'read -r a b st rest 2>/dev/null < "$p/stat" || continue; '
            '[ "$st" = Z ] && continue; busy=1; done; '
            '[ $busy = 0 ] && break; sleep 0.1; n=$((n+1)); done; exit $rc')


def logged_ns(prefix, pre="", wait_all=False):
    """(prefix, script) of run_ns_logged, for callers that run the
    namespace themselves (within log_socket)."""
    script = pre + NS_LOG_SCRIPT
    if wait_all:
        prefix = prefix + ["--pid", "--fork", "--mount-proc"]
        script = script.replace('exec "$@"', WAIT_ALL)
    return prefix, script


def run_ns_logged(prefix, tmp, argv, env, stdin=None, timeout=RUN_TIMEOUT,
                  pre="", wait_all=False):
    """run_ns, and the syslog lines it wrote ("ident[pid]: text", in
    order): (stdout, stderr, status, lines).  pre: shell commands run
    first in the namespace (more mounts).  wait_all: in a pid namespace
    of its own, and until the processes it left behind have ended."""
    prefix, script = logged_ns(prefix, pre, wait_all)
    with log_socket(tmp) as lines:
        res = run_ns(prefix, tmp, argv, env, stdin=stdin, timeout=timeout,
                     script=script)
    return res + (lines,)


class log_socket:
    """with log_socket(tmp) as lines: the namespace's syslog socket
    (tmp/log) open for the block; lines gets what was written to it
    ("ident[pid]: text", in order) when the block ends."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "log")
        self.lines = []

    def __enter__(self):
        import socket
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        return self.lines

    def __exit__(self, *exc):
        sock = self.sock
        try:
            sock.setblocking(False)
            while True:
                try:
                    msg = sock.recv(65536)
                except BlockingIOError:
                    break
                # "<pri>Mon dd hh:mm:ss ident[pid]: text"
                text = msg.decode("latin-1").rstrip("\n")
                if text.startswith("<"):
                    text = text.split(">", 1)[1]
                self.lines.append(text[16:] if len(text) > 16 else text)
        finally:
            sock.close()
            os.unlink(self.path)
        return False


def normalise(data, tmp):
    return data.replace(tmp.encode(), TMP_TOKEN.encode())


# ---- comparing outputs (shared by the *_diff.py scripts)

def transcript(out, err, rc):
    """stdout, stderr and exit status as one comparable block."""
    return (out + b"\n===== stderr\n" + err +
            b"\n===== exit %d\n" % rc)


def diff_lines(want, got):
    """(want lines, got lines, matcher, matched count, total)."""
    a = want.split(b"\n")
    b = got.split(b"\n")
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(blk.size for blk in sm.get_matching_blocks())
    return a, b, sm, same, max(len(a), len(b))


def show_diff(a, b, sm, max_shown=8, width=None):
    """Prints the first differing hunks, lines cut at width."""
    shown = 0
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        print("  at line %d:" % (i1 + 1))
        for x in a[i1:min(i2, i1 + 6)]:
            print("    - %r" % x[:width])
        for y in b[j1:min(j2, j1 + 6)]:
            print("    + %r" % y[:width])
        shown += 1
        if shown >= max_shown:
            print("  ...")
            break


def centos_world(tmp_prefix, aliases=ALIASES):
    """For the scripts that run sendmail itself (SMTP, submission,
    delivery): the oracle, the unshare prefix, a fresh tree with the
    CentOS 7 cf, and its aliases built by the oracle.  Raises Skip."""
    root = oracle_root()
    prefix = unshare_prefix()
    if not shutil.which("m4"):
        raise Skip("m4 not installed")
    tmp = make_tmp(tmp_prefix)
    make_tree(root, tmp, aliases=aliases)
    cf = build_cf("centos7", root, tmp)
    subprocess.run(prefix + ["sh", "-c", NS_SCRIPT, "sh", tmp,
                             oracle_binary(root), "-C", cf, "-bi"],
                   env=oracle_env(root), capture_output=True, timeout=60)
    return root, prefix, tmp, cf


def diff_args(argv=None):
    """The command line every *_diff.py takes: --bin DIR, --show, cases."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    return ap.parse_args(argv)


def verdict(label, want, got, known=None, show=False):
    """Prints the PASS/FAIL/XFAIL/XPASS line of one case (want and got
    are lists of lines) and the first differences; 1 for a failure."""
    a, b, sm, same, total = diff_lines(b"\n".join(want), b"\n".join(got))
    if want == got:
        print("%s diff %s: %d/%d lines matched" % (
            "XPASS" if known else "PASS", label, same, total))
        return 0
    if known:
        print("XFAIL diff %s: %d/%d lines matched, known (%s)" % (
            label, same, total, known))
        return 0
    print("FAIL diff %s: %d/%d lines matched" % (label, same, total))
    show_diff(a, b, sm, max_shown=40 if show else 8)
    return 1


def _setup_main(args):
    """oracle_env.py setup DIR [cf ...]: for shell scripts (bt_bench.sh)."""
    if len(args) < 1:
        sys.stderr.write("usage: oracle_env.py setup DIR [cf ...]\n")
        return 64
    tmp = os.path.abspath(args[0])
    names = args[1:] or ["centos7"]
    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
        os.makedirs(tmp, exist_ok=True)
        make_tree(root, tmp)
        cfs = [(n, build_cf(n, root, tmp)) for n in names]
    except Skip as e:
        sys.stderr.write("oracle_env: %s\n" % e)
        return 77
    print("root=%s" % root)
    print("prefix=%s" % " ".join(shlex.quote(x) for x in prefix))
    for n, path in cfs:
        print("%s=%s" % (n, path))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "setup":
        sys.exit(_setup_main(sys.argv[2:]))
    sys.stderr.write("usage: oracle_env.py setup DIR [cf ...]\n")
    sys.exit(64)
