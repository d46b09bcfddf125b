"""`make install DESTDIR=... PREFIX=/usr` (dist/install.sh): the CentOS
sendmail + dovecot layout from the already-built programs (BIN, default
bin/; nothing is rebuilt).

Checked: the paths, modes and links; a second install keeps an edited
/etc/mail/access (the new default goes to access.new) and the generated
sendmail.cf; /etc/mail's Makefile, run inside DESTDIR with the installed
tools first on PATH, builds the .db maps (read back with makemap -u),
rebuilds sendmail.cf only when sendmail.mc is newer, and fails with a
message when the m4 package is missing; the generated sendmail.cf and
submit.cf load with sendmail -bt; mailboxd accepts the dovecot.conf tree;
sendmail-start turns both sysconfig spellings into the CentOS command
lines; systemd-analyze verify accepts the units (when installed); the man
pages render without groff warnings.
"""

import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("BIN") or os.path.join(REPO, "bin"))

PROGS = ("sendmail", "makemap", "editmap", "praliases", "mailstats",
         "smrsh", "mail.local", "mailboxd")
pytestmark = pytest.mark.skipif(
    not all(os.access(os.path.join(BIN, p), os.X_OK) for p in PROGS) or
    shutil.which("m4") is None or shutil.which("make") is None,
    reason="needs the built programs in BIN, m4 and make")


def exists(kind, name):
    try:
        (grp.getgrnam if kind == "group" else pwd.getpwnam)(name)
        return True
    except KeyError:
        return False


def install(dest):
    """make install into dest with the built BIN, without rebuilding."""
    return subprocess.run(
        ["make", "-s", "-C", REPO, "-o", "all", "install",
         "DESTDIR=" + dest, "PREFIX=/usr", "B=" + BIN],
        capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def dest():
    d = tempfile.mkdtemp(prefix="install-")
    r = install(d)
    assert r.returncode == 0, r.stdout + r.stderr
    yield d
    shutil.rmtree(d)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_tree(dest):
    p = lambda s: os.path.join(dest, s.lstrip("/"))
    sm = p("/usr/sbin/sendmail.sendmail")
    assert os.path.isfile(sm) and not os.path.islink(sm)
    if os.geteuid() == 0 and exists("group", "smmsp"):
        assert mode(sm) == 0o2755
        assert os.stat(sm).st_gid == grp.getgrnam("smmsp").gr_gid
    else:
        assert mode(sm) == 0o755
    # every name reaches the one binary through links inside the tree
    for name in ("/usr/sbin/sendmail", "/usr/lib/sendmail",
                 "/usr/bin/mailq", "/usr/bin/newaliases",
                 "/usr/bin/hoststat", "/usr/bin/purgestat"):
        assert os.path.islink(p(name)), name
        assert not os.readlink(p(name)).startswith("/"), name
        assert os.path.samefile(p(name), sm), name
    assert os.path.samefile(p("/usr/bin/makemap"), p("/usr/sbin/makemap"))
    for prog in PROGS[1:]:
        f = p("/usr/sbin/" + prog)
        assert os.path.isfile(f) and mode(f) == 0o755, prog
    assert os.path.isfile(p("/usr/share/sendmail-cf/m4/cf.m4"))
    for f in ("sendmail.mc", "submit.mc", "sendmail.cf", "submit.cf",
              "access", "virtusertable", "mailertable", "domaintable",
              "local-host-names", "trusted-users", "helpfile", "Makefile"):
        assert mode(p("/etc/mail/" + f)) == 0o644, f
    assert mode(p("/etc/mail/make")) == 0o755
    with open(p("/etc/mail/sendmail.mc")) as f:
        assert "include(`/usr/share/sendmail-cf/m4/cf.m4')" in f.read()
    with open(p("/etc/mail/access")) as f:
        text = f.read()
    assert text.startswith("#") and re.search(r"127\.0\.0\.1\s+RELAY", text)
    assert os.path.isdir(p("/etc/smrsh"))
    mq, cq = p("/var/spool/mqueue"), p("/var/spool/clientmqueue")
    assert mode(mq) == 0o700 and mode(cq) == 0o770
    if os.geteuid() == 0:
        assert os.stat(mq).st_uid == 0
        if exists("group", "mail"):
            assert os.stat(mq).st_gid == grp.getgrnam("mail").gr_gid
        if exists("user", "smmsp"):
            assert os.stat(cq).st_uid == pwd.getpwnam("smmsp").pw_uid
    for u in ("sendmail", "sm-client", "dovecot"):
        assert os.path.isfile(p("/usr/lib/systemd/system/%s.service" % u))
    with open(p("/etc/sysconfig/sendmail")) as f:
        text = f.read()
    assert "DAEMON=yes" in text and "QUEUE=1h" in text
    for m in ("man8/sendmail.8", "man1/mailq.1", "man8/hoststat.8",
              "man8/purgestat.8", "man5/mailboxd.conf.5"):
        assert os.path.isfile(p("/usr/share/man/" + m)), m
    assert os.access(p("/usr/libexec/mailsys/postinst"), os.X_OK)


def test_reinstall_keeps_config(dest):
    access = os.path.join(dest, "etc/mail/access")
    cf = os.path.join(dest, "etc/mail/sendmail.cf")
    with open(access, "a") as f:
        f.write("Connect:192.0.2.7\tREJECT\n")
    with open(cf, "rb") as f:
        cf_before = f.read()
    r = install(dest)
    assert r.returncode == 0, r.stderr
    assert "/etc/mail/access.new" in r.stdout
    with open(access) as f:
        assert "192.0.2.7\tREJECT" in f.read()
    with open(access + ".new") as f:
        assert "192.0.2.7" not in f.read()
    with open(cf, "rb") as f:
        assert f.read() == cf_before
    # unchanged files get no .new beside them
    assert not os.path.exists(os.path.join(dest, "etc/mail/mailertable.new"))
    assert not os.path.exists(
        os.path.join(dest, "etc/dovecot/dovecot.conf.new"))


def run_make(dest, *args):
    env = dict(os.environ)
    env["PATH"] = "%s:%s:%s" % (os.path.join(dest, "usr/sbin"),
                                os.path.join(dest, "usr/bin"), env["PATH"])
    return subprocess.run(
        ["make", "-C", os.path.join(dest, "etc/mail"),
         "CFDIR=" + os.path.join(dest, "usr/share/sendmail-cf")] +
        list(args), capture_output=True, text=True, env=env, timeout=60)


def test_mail_makefile(dest):
    mail = os.path.join(dest, "etc/mail")
    r = run_make(dest)
    assert r.returncode == 0, r.stdout + r.stderr
    for m in ("access", "virtusertable", "mailertable", "domaintable"):
        assert os.path.isfile(os.path.join(mail, m + ".db")), m
    u = subprocess.run(
        [os.path.join(dest, "usr/sbin/makemap"), "-C",
         os.path.join(mail, "sendmail.cf"), "-u", "hash",
         os.path.join(mail, "access")],
        capture_output=True, text=True, timeout=30)
    assert u.returncode == 0, u.stderr
    assert "connect:127.0.0.1\tRELAY" in u.stdout.splitlines()
    # everything is now up to date
    assert run_make(dest, "-q").returncode == 0
    # an edited map text is rebuilt, nothing else
    with open(os.path.join(mail, "virtusertable"), "a") as f:
        f.write("info@example.com\tjane\n")
    st = os.stat(os.path.join(mail, "virtusertable"))
    os.utime(os.path.join(mail, "virtusertable"),
             (st.st_atime, st.st_mtime + 5))
    r = run_make(dest)
    assert "virtusertable.db" in r.stdout and "access.db" not in r.stdout
    # a newer sendmail.mc remakes sendmail.cf, keeping the old as .bak
    mc = os.path.join(mail, "sendmail.mc")
    with open(mc, "a") as f:
        f.write("define(`confTO_IDENT', `5s')dnl\n")
    st = os.stat(mc)
    os.utime(mc, (st.st_atime, st.st_mtime + 5))
    r = run_make(dest)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.isfile(os.path.join(mail, "sendmail.cf.bak"))
    with open(os.path.join(mail, "sendmail.cf")) as f:
        assert "O Timeout.ident=5s" in f.read()
    # without the m4 package the cf cannot be made: said, not hidden
    os.utime(mc, (st.st_atime, st.st_mtime + 10))
    r = run_make(dest, "CFDIR=" + os.path.join(dest, "nowhere"))
    assert r.returncode != 0 and "cf.m4 is missing" in r.stderr


def load_cf(dest, name):
    """sendmail -bt with the installed cf, its /etc/mail files in dest."""
    with open(os.path.join(dest, "etc/mail", name)) as f:
        text = f.read().replace("/etc/mail/",
                                os.path.join(dest, "etc/mail") + "/")
    copy = os.path.join(dest, "tmp-" + name)
    with open(copy, "w") as f:
        f.write(text)
    return subprocess.run(
        [os.path.join(dest, "usr/sbin/sendmail"), "-C", copy, "-bt"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=30)


@pytest.mark.parametrize("name", ["sendmail.cf", "submit.cf"])
def test_cf_loads(dest, name):
    r = load_cf(dest, name)
    errors = [l for l in (r.stdout + r.stderr).splitlines()
              if re.search(r"line \d+:|error|unknown|cannot", l, re.I)]
    if not exists("user", "smmsp"):
        errors = [l for l in errors if "unknown user smmsp" not in l]
    assert errors == []
    assert "ADDRESS TEST MODE" in r.stdout
    if exists("user", "smmsp") or name == "sendmail.cf":
        assert r.returncode == 0


def test_dovecot_conf(dest):
    r = subprocess.run(
        [os.path.join(BIN, "mailboxd"), "-n", "-c",
         os.path.join(dest, "etc/dovecot/dovecot.conf")],
        capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "ssl = required" in r.stdout
    assert "driver = pam" in r.stdout
    assert "mail_location = mbox:~/mail:INBOX=/var/spool/mail/%u" in r.stdout


@pytest.mark.parametrize("mode_,env,want", [
    ("mta", {"DAEMON": "yes", "QUEUE": "1h"}, "-bd -q1h"),
    ("mta", {"DAEMON": "no", "QUEUE": "30m"}, "-q30m"),
    ("mta", {"SENDMAIL_OPTS": "-q1h"}, "-bd -q1h"),
    ("mta", {"QUEUE": "1h", "SENDMAIL_OPTARG": "-OLogLevel=14"},
     "-bd -q1h -OLogLevel=14"),
    ("msp", {"DAEMON": "yes", "QUEUE": "1h"}, "-L sm-msp-queue -Ac -q1h"),
    ("msp", {"QUEUE": "1h", "SMQUEUE": "15m"}, "-L sm-msp-queue -Ac -q15m"),
    ("msp", {"SENDMAIL_OPTS": "-q2h"}, "-L sm-msp-queue -Ac -q2h"),
])
def test_sendmail_start(dest, mode_, env, want):
    """The script run by the units, with sendmail replaced by echo."""
    with open(os.path.join(dest, "usr/libexec/mailsys/sendmail-start")) as f:
        text = f.read()
    assert "SENDMAIL=/usr/sbin/sendmail\n" in text
    script = os.path.join(dest, "start-echo")
    with open(script, "w") as f:
        f.write(text.replace("SENDMAIL=/usr/sbin/sendmail\n",
                             "SENDMAIL=echo\n"))
    e = {"PATH": os.environ["PATH"], "INVOCATION_ID": "test"}
    e.update(env)
    r = subprocess.run(["sh", script, mode_], env=e, capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == want.split()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="no systemd-analyze")
def test_units_verify(dest):
    units = os.path.join(dest, "usr/lib/systemd/system")
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no"] +
        [os.path.join(units, u) for u in sorted(os.listdir(units))],
        capture_output=True, text=True, timeout=60)
    # the commands are looked for on this host; those we install are in
    # dest instead, which is all that may be reported
    left = []
    for line in (r.stdout + r.stderr).splitlines():
        m = re.search(r"Command (\S+) is not executable", line)
        if m and os.access(os.path.join(dest, m.group(1).lstrip("/")),
                           os.X_OK):
            continue
        left.append(line)
    assert left == []
    # dovecot.service by its real name (what the journal and fail2ban's
    # journalmatch go by), mailboxd.service the alias
    with open(os.path.join(units, "dovecot.service")) as f:
        assert "Alias=mailboxd.service" in f.read()
    assert not os.path.exists(os.path.join(units, "mailboxd.service"))


def test_man_pages():
    if shutil.which("groff") is None:
        pytest.skip("no groff")
    pages = sorted(os.path.join(REPO, "doc", f)
                   for f in os.listdir(os.path.join(REPO, "doc"))
                   if re.search(r"\.[158]$", f))
    for page in pages:
        r = subprocess.run(["groff", "-ww", "-man", "-z", page],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and r.stderr == "", page + r.stderr


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="no logrotate")
def test_logrotate(dest):
    """/etc/logrotate.d/mailboxd parses, and a forced run rotates a log
    mailboxd still holds open in append mode (copytruncate: the file is
    emptied in place, the old lines go to .1)."""
    conf = os.path.join(dest, "etc/logrotate.d/mailboxd")
    assert mode(conf) == 0o644
    with open(conf) as f:
        text = f.read()
    # /var/log/maillog is rsyslog's to rotate: not named twice
    assert "maillog" not in re.sub(r"#.*", "", text)
    state = os.path.join(dest, "logrotate.state")
    r = subprocess.run(["logrotate", "-d", "-s", state, conf],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "error" not in r.stderr.lower(), r.stderr
    logs = os.path.join(dest, "var/log")
    copy = os.path.join(dest, "logrotate-copy")
    with open(copy, "w") as f:
        f.write(text.replace("/var/log/", logs + "/"))
    log = os.path.join(logs, "dovecot.log")
    held = open(log, "a")
    held.write("before\n")
    held.flush()
    r = subprocess.run(["logrotate", "-f", "-s", state, copy],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    held.write("after\n")
    held.close()
    with open(log) as f:
        assert f.read() == "after\n"
    with open(log + ".1") as f:
        assert f.read() == "before\n"
