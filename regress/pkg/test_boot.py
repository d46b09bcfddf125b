"""The package's systemd units under a real systemd: a copy of the cached
Debian root (mkroot.sh, which brings Debian's systemd) with the .deb
installed by dpkg -i, booted by systemd-nspawn (Debian's
systemd-container) as a container whose PID 1 is that systemd, with a
network of its own (--private-network: only lo) and its own journal.
Commands enter it with nsenter through that PID 1.  Run by `make
check-pkg`, not by `make check`.

What an administrator does after the install, each step checked: the
enabled units came up at boot, their forking daemons' PID files there
when systemd looked; `systemd-analyze verify` on the installed units;
`systemctl stop sendmail` (sm-client.service goes with it) and `start`
(its ExecStartPre rebuilding a map edited meanwhile through /etc/mail's
Makefile, then `sendmail -bd -q1h` from /etc/sysconfig/sendmail);
`systemctl status` active with the main PID of /run/sendmail.pid;
sm-client.service's `-Ac -q1h` runner as smmsp; a message from
`sendmail -t -oi` in the user's mailbox; `journalctl -u sendmail` with
`sendmail[PID]:` lines and the journal fields fail2ban's sendmail
filters match; `systemctl reload` (the same main PID, the daemon started
again) and `restart` (a new one); `systemctl start dovecot` starting
mailboxd, which answers IMAP with that message, its lines under
_SYSTEMD_UNIT=dovecot.service as fail2ban's dovecot filter wants;
`systemctl stop` ending every process of the units.

Every process is stopped by its PID: systemd-nspawn turns SIGTERM into a
clean shutdown of the container; it is waited for (SIGKILL after 30 s).
About 20 s with the root cached.  KEEP_BOOT=1 leaves the root and the
console log.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from pkgroot import HOST, new_root

NSPAWN = shutil.which("systemd-nspawn")
USER, PASSWORD = "carol", "carol-Pw-2719"
BOOT = 120          # seconds for the container to reach its target
PATHS = "/usr/sbin:/usr/bin:/sbin:/bin"

# the client, run by the host's python in the container's network
CLIENT_PY = r"""
import imaplib, json, socket, sys, time
cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "wait":           # port: until it answers
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(a[0])), 1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("port %s does not answer" % a[0])
            time.sleep(0.1)
elif cmd == "imap":         # user password token
    m = imaplib.IMAP4("127.0.0.1", 143, timeout=30)
    out = {"greeting": m.welcome.decode()}
    m.login(a[0], a[1])
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, "TEXT", a[2])
    out["msgs"] = [m.fetch(n, "(RFC822)")[1][0][1].decode("latin-1")
                   for n in data[0].split()]
    m.logout()
    print(json.dumps(out))
"""


def why_not():
    if os.geteuid() != 0:
        return "needs root"
    if NSPAWN is None:
        return "no systemd-nspawn (make pkg-deps: systemd-container)"
    if shutil.which("nsenter") is None:
        return "no nsenter"
    return None


pytestmark = pytest.mark.skipif(why_not() is not None,
                                reason=why_not() or "")


class Container:
    """The root booted by systemd-nspawn; commands enter its namespaces
    through its PID 1."""

    def __init__(self, rt):
        self.rt = rt
        self.uuid = uuid.uuid4().hex
        self.console = rt.path + ".console"
        self.init = None
        with open(self.console, "wb") as log:
            self.proc = subprocess.Popen(
                [NSPAWN, "--quiet", "--boot", "--directory", rt.path,
                 "--machine", "mailsys-boot-" + self.uuid[:8],
                 "--private-network",
                 "--register=no", "--keep-unit", "--console=pipe",
                 # nobody to log in on the console
                 "systemd.mask=console-getty.service"],
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
                env={"PATH": PATHS, "LC_ALL": "C"})

    def console_text(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def find_init(self):
        """the container's PID 1 (its PID here): systemd-nspawn's child
        that is PID 1 of a namespace of its own"""
        kids = []
        for t in os.listdir("/proc/%d/task" % self.proc.pid):
            try:
                with open("/proc/%d/task/%s/children" % (self.proc.pid,
                                                         t)) as f:
                    kids += f.read().split()
            except OSError:
                pass
        for k in kids:
            try:
                with open("/proc/%s/status" % k) as f:
                    if re.search(r"^NSpid:\s+\d+\s+1$", f.read(), re.M):
                        return int(k)
            except OSError:
                pass
        return None

    def boot(self):
        deadline = time.time() + BOOT
        while self.init is None:
            if self.proc.poll() is not None:
                raise AssertionError("systemd-nspawn exited %d:\n%s" % (
                    self.proc.returncode, self.console_text()))
            if time.time() > deadline:
                raise AssertionError("no PID 1 in the container:\n" +
                                     self.console_text())
            self.init = self.find_init()
            time.sleep(0.1)
        # systemctl talks to PID 1 on its private socket, made early on
        while self.sh("test -S /run/systemd/private", check=False
                      ).returncode != 0:
            if time.time() > deadline or self.proc.poll() is not None:
                raise AssertionError("no /run/systemd/private:\n" +
                                     self.console_text())
            time.sleep(0.1)
        r = self.sh("systemctl is-system-running --wait", check=False,
                    timeout=BOOT)
        self.state = r.stdout.strip()
        assert self.state in ("running", "degraded"), (
            self.state, r.stderr, self.console_text())

    def enter(self, argv, net_only=False):
        ns = ["-n"] if net_only else ["-a"]
        return ["nsenter", "-t", str(self.init)] + ns + ["--"] + argv

    def sh(self, script, check=True, timeout=60, stdin=None):
        """script run by /bin/sh inside the container, as root"""
        r = subprocess.run(
            self.enter(["/bin/sh", "-c", script]), input=stdin,
            capture_output=True, text=True, timeout=timeout,
            env={"PATH": PATHS, "LC_ALL": "C", "SYSTEMD_PAGER": "",
                 "SYSTEMD_COLORS": "0", "TERM": "dumb"})
        if check:
            assert r.returncode == 0, (script, r.stdout, r.stderr)
        return r

    def client(self, *args):
        r = subprocess.run(
            self.enter([sys.executable, "-c", CLIENT_PY] +
                       [str(a) for a in args], net_only=True),
            capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def show(self, unit, prop):
        return self.sh("systemctl show -p %s --value %s" %
                       (prop, unit)).stdout.strip()

    def pids(self, comm):
        """the container's processes (their PIDs there) named comm"""
        out = self.sh("for p in /proc/[0-9]*; do "
                      "[ \"$(cat $p/comm 2>/dev/null)\" = %s ] && "
                      "echo ${p#/proc/}; done; true" % comm).stdout
        return sorted(int(p) for p in out.split())

    def stop(self):
        if self.proc.poll() is None:
            # systemd-nspawn turns SIGTERM into SIGRTMIN+3 for the
            # container's systemd: a clean shutdown
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def box(deb):
    rt = new_root()
    ct = None
    try:
        shutil.copy(deb, rt.p("/tmp/mailsys.deb"))
        with open(rt.p("/etc/hostname"), "w") as f:
            f.write(HOST + "\n")
        r = rt.run("dpkg -i /tmp/mailsys.deb && "
                   "useradd -m -s /bin/sh %s && "
                   "echo '%s:%s' | chpasswd" % (USER, USER, PASSWORD))
        assert r.returncode == 0, r.stdout + r.stderr
        # the maintainer scripts were kept from starting anything; now
        # the box boots as after the install
        os.unlink(rt.p("/usr/sbin/policy-rc.d"))
        ct = Container(rt)
        ct.boot()
        yield ct
    finally:
        if ct is not None:
            ct.stop()
            if os.environ.get("KEEP_BOOT"):
                print("left in", rt.path, ct.console)
            else:
                os.unlink(ct.console)
        if not os.environ.get("KEEP_BOOT"):
            shutil.rmtree(rt.path, ignore_errors=True)


def mainpid(box, unit):
    return int(box.show(unit, "MainPID"))


def pidfile(box, path):
    r = box.sh("cat " + path, check=False)
    first = r.stdout.split("\n")[0].strip()
    return int(first) if first.isdigit() else None


def test_boot_reaches_its_target(box):
    # the units the package enabled came up at boot
    for u in ("sendmail.service", "sm-client.service", "dovecot.service"):
        assert box.show(u, "ActiveState") == "active", (
            u, box.sh("systemctl status %s; journalctl -b -u %s" % (u, u),
                      check=False).stdout)
    failed = box.sh("systemctl --failed --no-legend --plain").stdout
    assert "sendmail" not in failed and "dovecot" not in failed, failed
    # each forking daemon's PID file was there when its parent exited
    j = box.sh("journalctl -b --no-pager -o cat -u sendmail -u sm-client"
               ).stdout
    assert "PID file" not in j, j


def test_units_verify(box):
    r = box.sh("systemd-analyze verify /lib/systemd/system/sendmail.service "
               "/lib/systemd/system/sm-client.service "
               "/lib/systemd/system/dovecot.service", check=False)
    ours = [l for l in (r.stdout + r.stderr).splitlines()
            if re.search(r"(sendmail|sm-client|mailboxd|dovecot)\.service",
                         l)]
    assert r.returncode == 0 and ours == [], r.stdout + r.stderr


def test_stop_then_start_rebuilds_the_maps(box):
    box.sh("systemctl stop sendmail")
    assert box.show("sendmail", "ActiveState") == "inactive"
    # BindsTo: the client queue runner went with it
    assert box.show("sm-client", "ActiveState") == "inactive"
    assert box.pids("sendmail") == []
    # the administrator edits access and starts the MTA again: the unit's
    # ExecStartPre runs /etc/mail/make, which rebuilds access.db
    box.sh("sleep 1; printf 'Connect:192.0.2.77\\tREJECT\\n' >> "
           "/etc/mail/access")
    box.sh("systemctl start sendmail")
    dump = box.sh("makemap -u hash /etc/mail/access").stdout
    assert "connect:192.0.2.77\tREJECT" in dump.splitlines(), dump
    st = box.sh("systemctl status sendmail --no-pager", check=False).stdout
    pid = mainpid(box, "sendmail")
    assert re.search(r"^\s+Active: active \(running\)", st, re.M), st
    assert re.search(r"^\s+Main PID: %d \(sendmail\)" % pid, st, re.M), st
    assert pid == pidfile(box, "/run/sendmail.pid")
    # sendmail -bd -q1h, as /etc/sysconfig/sendmail asks
    args = box.sh("tr '\\0' ' ' < /proc/%d/cmdline" % pid).stdout.split()
    assert args[1:] == ["-bd", "-q1h"], args
    box.client("wait", 25)
    # Wants=: sm-client.service came up with it
    assert box.show("sm-client", "ActiveState") == "active"


def test_sm_client_runs_the_client_queue(box):
    pid = mainpid(box, "sm-client")
    assert pid == pidfile(box, "/run/sm-client.pid"), pid
    args = box.sh("tr '\\0' ' ' < /proc/%d/cmdline" % pid).stdout.split()
    assert "-Ac" in args and "-q1h" in args, args
    owner = box.sh("stat -c %%U /proc/%d" % pid).stdout.strip()
    assert owner == "smmsp", owner


def send(box, subject):
    t = "t" + uuid.uuid4().hex[:12]
    box.sh("setpriv --reuid %s --regid %s --init-groups -- "
           "/usr/sbin/sendmail -t -oi" % (USER, USER),
           stdin="To: %s\nSubject: %s %s\n\nhello\n" % (USER, subject, t))
    deadline = time.time() + 60
    while True:
        try:
            with open(box.rt.p("/var/mail/" + USER), errors="replace") as f:
                if t in f.read():
                    return t
        except FileNotFoundError:
            pass
        assert time.time() < deadline, (
            t, box.sh("mailq; journalctl --no-pager -u sendmail | tail -20",
                      check=False).stdout)
        time.sleep(0.2)


def test_message_delivered_and_journal_by_unit(box):
    send(box, "through the units")
    # fail2ban's sendmail filters read the journal by unit: the lines
    # of the daemon and of its children, tagged sendmail[PID]
    j = box.sh("journalctl --no-pager -o short -u sendmail").stdout
    line = r"^\w{3} [ \d]\d \d\d:\d\d:\d\d %s sendmail\[\d+\]: " % \
        re.escape(HOST)
    assert re.search(line + r"starting daemon", j, re.M), j
    assert re.search(line + r"\w{14}: to=<?%s" % USER, j, re.M), j
    assert re.search(line + r"\w{14}: .*stat=Sent", j, re.M), j
    # the fields of its journalmatch
    j = box.sh("journalctl --no-pager -o cat _SYSTEMD_UNIT=sendmail.service "
               "SYSLOG_IDENTIFIER=sendmail").stdout
    assert "stat=Sent" in j, j


def test_reload_keeps_the_main_pid(box):
    pid = mainpid(box, "sendmail")
    box.sh("systemctl reload sendmail")
    box.client("wait", 25)
    time.sleep(0.5)
    assert box.show("sendmail", "ActiveState") == "active"
    assert mainpid(box, "sendmail") == pid
    j = box.sh("journalctl --no-pager -o short -u sendmail").stdout
    assert re.search(r" sendmail\[%d\]: restarting .* due to signal" % pid,
                     j), j
    send(box, "after reload")


def test_restart_gives_a_new_pid(box):
    pid = mainpid(box, "sendmail")
    box.sh("systemctl restart sendmail")
    new = mainpid(box, "sendmail")
    assert new != pid and new == pidfile(box, "/run/sendmail.pid")
    assert pid not in box.pids("sendmail")
    box.client("wait", 25)
    send(box, "after restart")


def test_dovecot_starts_mailboxd_and_answers_imap(box):
    box.sh("systemctl stop mailboxd")   # the alias
    assert box.show("dovecot", "ActiveState") == "inactive"
    assert box.pids("mailboxd") == []
    box.sh("systemctl start dovecot")
    assert box.show("mailboxd", "Id") == "dovecot.service"
    pid = mainpid(box, "dovecot")
    assert box.pids("mailboxd") == [pid]
    box.client("wait", 143)
    t = send(box, "for imap")
    got = box.client("imap", USER, PASSWORD, t)
    assert got["greeting"].startswith("* OK "), got
    assert len(got["msgs"]) == 1, got
    j = box.sh("journalctl --no-pager -o short -u dovecot").stdout
    assert re.search(r" dovecot\[\d+\]: imap-login: Login: user=<%s>" %
                     USER, j), j


def test_dovecot_journal_matches_fail2ban(box):
    """fail2ban's dovecot filter: journalmatch _SYSTEMD_UNIT=dovecot.service
    (an alias's name is not in the journal)"""
    j = box.sh("journalctl --no-pager -o cat "
               "_SYSTEMD_UNIT=dovecot.service").stdout
    assert "imap-login: Login: user=<%s>" % USER in j, j


def test_stop_ends_every_process(box):
    main = {u: mainpid(box, u) for u in ("sendmail", "sm-client",
                                          "dovecot")}
    box.sh("systemctl stop sendmail dovecot")
    for u in main:
        assert box.show(u, "ActiveState") == "inactive", u
    left = box.pids("sendmail") + box.pids("mailboxd")
    assert left == [], left
    for pid in main.values():
        r = box.sh("test -d /proc/%d" % pid, check=False)
        assert r.returncode != 0, pid
    assert box.sh("test -e /run/sendmail.pid", check=False).returncode != 0 \
        or pidfile(box, "/run/sendmail.pid") not in main.values()
