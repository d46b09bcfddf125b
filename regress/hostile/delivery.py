"""What a remote peer may make a delivery do (reference §3.2 A06-A11,
§3.5, §3.7 Q01-Q09), against our daemon with a recording world: the
local mailer and the prog mailer (the cf's `|program` mailer) are both
rec.sh, which writes its argv (NUL-separated) and the message into
rec/KIND.XXXXXX and exits 0 (67 for a recipient named bounceme, so that
a bounce goes back to the sender).  The local mailer has no F=w, so
every local name reaches it.

After each session a queue run (`sendmail -q`) delivers what was
queued; then:

  * no file named pwned* exists: each hostile address would create
    one were it run by a shell or taken as a file to write;
  * the prog mailer ran only for the alias an administrator made a
    program (the control case), never for an address a peer sent;
  * the local mailer's argv is always `-f SENDER -d USER`: the address
    is one argument, whatever quotes, blanks, `;`, `|`, `$( )`, back
    quotes or leading `-` it holds;
  * a mailer (local or program) runs with fds 0, 1 and 2 only (§3.5
    F10).

root's .forward (ForwardPath is the world's fwd/$u) naming a program
and a file is made unsafe three ways (mode 0666, owned by another user,
a symlink): it must be ignored, the message delivered to root.

The queue cases write a message, then change its qf as another program
(or a disk) might: truncated before its `.`, data after the `.`, an
unknown record letter, an F record `From ...` (sendmail: "SECURITY
ALERT: bogus qf line"), CR/LF through xtext parameters; and put a FIFO,
a folder and a symlink named qf... in the queue.  Expected (the
catalogue's rules, from sendmail's readqf()): nothing delivered from a
qf that does not read back, the file kept (renamed Qf when it is bad),
and the queue run never blocked.
"""

import os
import stat
import subprocess

from harness import EHLO, SENDMAIL, Case, SmtpWorld, msg

NAME = "delivery"

REC = r"""#!/bin/sh
# rec.sh KIND ARGS... -- the hostile catalogue's recording mailer
f=$(mktemp "@REC@/$1.XXXXXX") || exit 75
shift
for a in "$@"; do printf '%s\0' "$a"; done > "$f"
id -u > "$f.uid"
ls /proc/self/fd > "$f.fds"
cat > "$f.msg"
case "$*" in *bounceme*) exit 67;; esac
exit 0
"""

MC = """define(`LOCAL_MAILER_PATH', `@D@/rec.sh')dnl
define(`confFORWARD_PATH', `@D@/fwd/$u')dnl
define(`LOCAL_MAILER_ARGS', `rec.sh local -f $f -d $u')dnl
define(`LOCAL_SHELL_PATH', `@D@/rec.sh')dnl
define(`LOCAL_SHELL_ARGS', `rec.sh prog -c $u')dnl
MODIFY_MAILER_FLAGS(`LOCAL', `-w')dnl
"""


class DeliveryWorld(SmtpWorld):
    def __init__(self, root):
        os.makedirs(root)
        self.rec = os.path.join(root, "rec")
        os.makedirs(self.rec)
        os.chmod(self.rec, 0o777)
        script = os.path.join(root, "rec.sh")
        with open(script, "w") as f:
            f.write(REC.replace("@REC@", self.rec))
        os.chmod(script, 0o755)
        self.mark = os.path.join(root, "pwned")
        self.fwd = os.path.join(root, "fwd")
        os.makedirs(self.fwd)
        os.chmod(self.fwd, 0o755)
        # bounces go to the sink (the world's smart host)
        SmtpWorld.__init__(self, os.path.join(root, "w"),
                           extra_mc=MC.replace("@D@", root), sink=True)
        # the control: a program an administrator put in the aliases
        with open(os.path.join(self.w.root, "etc", "aliases"), "a") as f:
            f.write('progalias: "|/bin/true progalias"\n')
        subprocess.run([SENDMAIL, "-C", self.w.cf, "-bi"],
                       capture_output=True, timeout=30)
        self.seen = set()
        self.fds = {}               # the open fds of each mailer run

    def calls(self):
        """The mailer runs since the last call: [(kind, argv, message)]."""
        out = []
        for n in sorted(os.listdir(self.rec)):
            if n.endswith((".msg", ".uid", ".fds")) or n in self.seen:
                continue
            self.seen.add(n)
            with open(os.path.join(self.rec, n), "rb") as f:
                argv = f.read().split(b"\0")[:-1]
            try:
                with open(os.path.join(self.rec, n + ".msg"), "rb") as f:
                    text = f.read()
            except OSError:
                text = b""
            with open(os.path.join(self.rec, n + ".uid")) as f:
                uid = int(f.read() or -1)
            with open(os.path.join(self.rec, n + ".fds")) as f:
                self.fds[n] = sorted(int(x) for x in f.read().split())
            out.append((n.split(".")[0], argv, text, uid))
        return out

    def pwned(self):
        d = os.path.dirname(self.mark)
        return [n for n in os.listdir(d) if n.startswith("pwned")]



def delivered(progs=0, local=None, sender=None, user=None):
    """After a queue run: nothing left queued, no pwned* file, `progs` prog mailer runs, every
    local run's argv `-f SENDER -d USER`; local: how many local runs
    (None: any); sender: the SENDER they must show."""
    def check(ctx):
        left = ctx.w.run_queue(rounds=1)
        calls = ctx.calls()
        bad = []
        if left:
            bad.append("still queued after a queue run: %s" % left)
        if ctx.pwned():
            bad.append("files made: %s" % ctx.pwned())
        np = sum(1 for k, _, _, _ in calls if k == "prog")
        if np != progs:
            bad.append("%d prog mailer runs (want %d): %s" % (
                np, progs, [a for k, a, _, _ in calls if k == "prog"]))
        root = [a for k, a, _, u in calls if k == "prog" and u == 0]
        if root:
            bad.append("a program ran as root: %s" % root)
        # what ls inherits (the shell's own fds are close-on-exec) and
        # its folder handle, 3
        fds = {n: v for n, v in ctx.fds.items() if v != [0, 1, 2, 3]}
        if fds:
            bad.append("a mailer had more than fds 0-2 open: %s" % fds)
        loc = [a for k, a, _, _ in calls if k == "local"]
        for a in loc:
            if len(a) != 4 or a[0] != b"-f" or a[2] != b"-d" or \
                    (sender is not None and a[1] != sender):
                bad.append("local mailer argv %r" % a)
        if local is not None and len(loc) != local:
            bad.append("%d local mailer runs (want %d)" % (len(loc), local))
        if user is not None and [a[3] for a in loc] != [user]:
            bad.append("delivered to %s, not %s" % ([a[3] for a in loc],
                                                   user))
        return not bad, "; ".join(bad)
    return check


def send(rcpt, frm=b"<a@example.com>", params=b""):
    return [(EHLO, 1), (b"MAIL FROM:" + frm + params + b"\r\n", 1),
            (b"RCPT TO:" + rcpt + b"\r\n", 1), (b"DATA\r\n", 1),
            (msg(b"hostile\r\n.\r\n"), 1)]


def qf_of(ctx):
    qfs = [n for n in os.listdir(ctx.qdir) if n.startswith("qf")]
    return os.path.join(ctx.qdir, qfs[0]) if len(qfs) == 1 else None


def mutated(change, want):
    """The message just queued, its qf changed by change(bytes) ->
    bytes, then a queue run: nothing delivered, the file kept as want
    (qf: left for a later run; Qf: set aside as bad)."""
    def check(ctx):
        qf = qf_of(ctx)
        if qf is None:
            return False, "no single qf: %s" % sorted(os.listdir(ctx.qdir))
        with open(qf, "rb") as f:
            text = f.read()
        with open(qf, "wb") as f:
            f.write(change(text))
        ctx.w.run_queue(rounds=1)
        calls = ctx.calls()
        name = os.path.basename(qf)
        kept = [n for n in os.listdir(ctx.qdir) if n[2:] == name[2:] and
                n[:2] in ("qf", "Qf")]
        bad = []
        if calls:
            bad.append("delivered: %s" % [c[1] for c in calls])
        if [n[:2] for n in kept] != [want]:
            bad.append("kept as %s, not %s" % (kept, want))
        for n in kept:          # out of the way of the next case
            os.rename(os.path.join(ctx.qdir, n),
                      os.path.join(ctx.w.root, "kept." + n))
        return not bad, "; ".join(bad) or "kept as %s" % kept
    return check


def odd_files(ctx):
    """A FIFO, a folder and a symlink to /etc/passwd named qf... in the
    queue: the queue run ends (20 s), delivers nothing from them, leaves
    the FIFO alone and /etc/passwd as it was."""
    q = ctx.qdir
    with open("/etc/passwd", "rb") as f:
        passwd = f.read()
    os.mkfifo(os.path.join(q, "qfx0AAFIFO000001"))
    os.mkdir(os.path.join(q, "qfx0AADIRE000002"))
    os.symlink("/etc/passwd", os.path.join(q, "qfx0AALINK000003"))
    bad = []
    try:
        subprocess.run([SENDMAIL, "-C", ctx.w.cf, "-q"],
                       capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        bad.append("the queue run blocked")
    if ctx.calls():
        bad.append("something was delivered")
    if not stat.S_ISFIFO(os.lstat(os.path.join(q, "qfx0AAFIFO000001"))
                         .st_mode):
        bad.append("the FIFO was replaced")
    with open("/etc/passwd", "rb") as f:
        if f.read() != passwd:
            bad.append("/etc/passwd changed")
    # the link reads as a bad qf: set aside as Qf, as sendmail does
    os.unlink(os.path.join(q, "qfx0AAFIFO000001"))
    for n in ("qfx0AALINK000003", "Qfx0AALINK000003"):
        if os.path.lexists(os.path.join(q, n)):
            os.unlink(os.path.join(q, n))
    os.rmdir(os.path.join(q, "qfx0AADIRE000002"))
    return not bad, "; ".join(bad)


def no_raw_crlf(files):
    qfs = [v for k, v in files.items() if k.startswith("qf")]
    bad = [l for v in qfs for l in v.split(b"\n")
           if b"\r" in l or l.startswith(b"Hack")]
    return not bad, "qf lines %r" % bad


FORWARD = b'"|touch @M@f1"\n/@M@f2\n'


def forward(mode, uid=0, link=False, text=FORWARD):
    """root's .forward (ForwardPath @D@/fwd/$u) names a program and a
    file that would make pwned files; mode, owner, or a symlink to such
    a file make it unsafe: it must be ignored (the mail goes to root) or
    its program and file refused."""
    def before(ctx):
        path = os.path.join(ctx.fwd, "root")
        for p in (path, path + ".target"):
            if os.path.lexists(p):
                os.unlink(p)
        real = path + ".target" if link else path
        with open(real, "wb") as f:
            f.write(text.replace(b"@M@", ctx.mark.encode()))
        os.chown(real, uid, uid)
        os.chmod(real, mode)
        if link:
            os.symlink(real, path)
    return before


def cases():
    c = []
    # §3.2 A09 and A06/A07/A08 with a domain: what reaches the mailers
    shell = [b'"a;touch @M@1;"', b'"`touch @M@2`"', b'"$(touch @M@3)"',
             b'"a|touch @M@4"', b'"a b"', b"-oQ@M@5", b"-X@M@6",
             b'"|touch @M@7"', b'"/@M@8"', b'":include:@M@9"',
             b'\\|touch', b'"a\'\\"b"']
    for i, local in enumerate(shell, 1):
        c.append(Case("A09-%d" % i, [], ref="§3.2 A09/A06-A08, " +
                      local.decode("latin1"), quick=i in (1, 7, 8)))
        c[-1].local = local
    c += [
        Case("A10", send(b"<root@mail.example.test>",
                         frm=b"<;touch @M@10;>"),
             ref="§3.2 A10 (CVE-2020-7247 shape)"),
        Case("A11-prog", send(b"<bounceme@mail.example.test>",
                              frm=b'<"|touch @M@11">'),
             ref="§3.2 A11 (CVE-1999-0203): the bounce", quick=True),
        Case("A11-file", send(b"<bounceme@mail.example.test>",
                              frm=b'<"/@M@12">'),
             ref="§3.2 A11: a bounce to a file"),
        Case("A11-include", send(b"<bounceme@mail.example.test>",
                                 frm=b'<":include:/@M@13">'),
             ref="§3.2 A11: a bounce to an :include:"),
        Case("F06-control", send(b"<progalias@mail.example.test>"),
             expect=[r"^250 2\.1\.5", r"^250 2\.0\.0"],
             ref="§3.5 F06 control: an alias made a program runs it, "
             "not as root"),
        Case("F01-control", send(b"<root@mail.example.test>"),
             before=forward(0o644, text=b"fwdtarget\n"),
             ref="§3.5 control: a safe .forward is followed"),
        Case("F03-mode", send(b"<root@mail.example.test>"),
             before=forward(0o666), ref="§3.5 F03: a .forward anyone may "
             "write, naming a program and a file"),
        Case("F03-owner", send(b"<root@mail.example.test>"),
             before=forward(0o644, uid=1), ref="§3.5 F03: a .forward "
             "of another user's"),
        Case("F03-link", send(b"<root@mail.example.test>"),
             before=forward(0o644, link=True), ref="§3.5 F03: a .forward "
             "that is a symlink"),
        Case("Q03", send(b"<root@mail.example.test> ORCPT=rfc822;x\rHack",
                         params=b" ENVID=a\rHack"),
             queue=no_raw_crlf, ref="§3.7 Q03: CR in ENVID and ORCPT"),
        Case("Q03-xtext", send(b"<root@mail.example.test> "
                               b"ORCPT=rfc822;x+0D+0AHack",
                               params=b" ENVID=a+0D+0AHack"),
             queue=no_raw_crlf, ref="§3.7 Q03: CR LF as xtext"),
        Case("Q09", [], after=odd_files,
             ref="§3.7 Q09: FIFO, folder, symlink named qf"),
    ]
    for cid, change, want, ref in (
            ("Q01", lambda t: t[:t.rindex(b"\n.\n") + 1], "qf",
             "truncated"),
            ("Q01-half", lambda t: t[:len(t) // 2], "qf",
             "cut in the middle"),
            ("Q02", lambda t: t + b"Rbogus\n", "Qf", "data after the ."),
            ("Q04", lambda t: t.replace(b"\n.\n", b"\nFrom evil\n.\n"),
             "Qf", "an F record From ..."),
            ("Q07", lambda t: t.replace(b"\n.\n", b"\nJbogus\n.\n"),
             "Qf", "an unknown record letter")):
        c.append(Case(cid, send(b"<qtest@mail.example.test>"),
                      expect=[r"^250 2\.0\.0"],
                      after=mutated(change, want),
                      ref="§3.7 %s: %s" % (cid[:3], ref)))
    return c


def start(root):
    ctx = DeliveryWorld(root).start()
    return ctx


def bind(cases, ctx):
    """Fills the cases with this world's marker path (@M@) and their
    checks."""
    for c in cases:
        m = ctx.mark.encode()
        if hasattr(c, "local"):
            local = c.local.replace(b"@M@", m)
            c.steps = send(b"<" + local + b"@mail.example.test>")
        c.steps = [(d.replace(b"@M@", m), n) for d, n in c.steps]
        if c.after is None:
            # A09-8..10 ("|prog", "/file", ":include:" @ us) are refused
            # at RCPT; the other A09 addresses reach the local mailer once
            c.after = delivered(
                progs=1 if c.id == "F06-control" else 0,
                user=(b"fwdtarget" if c.id == "F01-control" else
                      b"root" if c.id.startswith("F03") else None),
                local=(1 if c.id.startswith(("F01", "F03")) else
                       None if not hasattr(c, "local") else
                       0 if c.id in ("A09-8", "A09-9", "A09-10") else 1))
    return cases
