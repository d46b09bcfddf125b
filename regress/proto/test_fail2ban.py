"""What administrators point at /var/log/maillog, run over the lines our
daemons write: fail2ban's stock sendmail-auth, sendmail-reject and
dovecot filters (fail2ban-regex), and logwatch's sendmail and dovecot
services.

sendmail -bd (test_smtpd.Daemon, SMTP AUTH through test_smtpd_auth's
saslauthd) and mailboxd (IMAP and POP3) listen on 127.0.0.1 at ports
chosen at run time.  Each runs in a mount namespace of its own whose
/dev/log is a datagram socket the test binds (oracle_env.DEV_LOG_SCRIPT);
netns.Syslog writes what arrives there as rsyslog writes
/var/log/maillog ("Mon dd hh:mm:ss mail sendmail[pid]: ...").  Real
clients (smtplib, imaplib, poplib) then fail in the ways a password
guesser or a spammer does, each kind from a client address of its own in
127.0.0.0/8, so that what a filter reports can be checked address by
address:

    127.0.0.11  AUTH PLAIN with a wrong password, 3 connections
    127.0.0.12  AUTH CRAM-MD5 for a user sasldb does not know
    127.0.0.13  an AUTH flood (more AUTH commands than mechanisms)
    127.0.0.21  2 recipients in other domains (Relaying denied)
    127.0.0.22  VRFY and EXPN refused by PrivacyOptions
    127.0.0.23  a recipient that does not exist (User unknown)
    127.0.0.24  a sender the access map refuses
    127.0.0.25  over its ClientRate (ratecontrol)
    127.0.0.31  IMAP LOGIN with a wrong password, twice
    127.0.0.32  POP3 USER/PASS with a wrong password
    127.0.0.33  IMAP LOGIN as a user that does not exist
    127.0.0.1   one good message, a good IMAP and a good POP3 login

The stock filters do not know every one of these: sendmail-reject has no
rule for check_mail rejections nor for a plain "User unknown" line, with
real sendmail 8.17 as with us (regress/diff/smtpd_diff.py compares those
lines with the oracle); those addresses must then match nothing.  Every
process is stopped by its PID.
"""

import imaplib
import os
import poplib
import re
import shutil
import smtplib
import socket
import subprocess
import sys

import pytest

from procs import MailboxdProc, free_port
from test_smtpd import SENDMAIL, Daemon
from test_smtpd_auth import AUTH_MC, b64, sasl  # noqa: F401 (a fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESS = os.path.dirname(HERE)
REPO = os.path.dirname(REGRESS)
sys.path.insert(0, REGRESS)
sys.path.insert(0, os.path.join(REGRESS, "diff"))
from netns import Syslog, wait_for  # noqa: E402
from oracle_env import DEV_LOG_SCRIPT  # noqa: E402

MAILBOXD = os.path.join(os.environ.get("BIN") or os.path.join(REPO, "bin"),
                        "mailboxd")
FAIL2BAN_REGEX = shutil.which("fail2ban-regex")
FILTERS = "/etc/fail2ban/filter.d"


def _why_skip():
    if os.geteuid() != 0:
        return "needs root (a mount namespace per daemon for its /dev/log)"
    for prog in (SENDMAIL, MAILBOXD):
        if not os.access(prog, os.X_OK):
            return "no %s (build first)" % prog
    if FAIL2BAN_REGEX is None:
        return "no fail2ban-regex (make deps installs fail2ban)"
    p = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if p.returncode != 0:
        return "no mount namespaces: %s" % p.stderr.decode().strip()
    return None


_WHY = _why_skip()
pytestmark = pytest.mark.skipif(_WHY is not None, reason=_WHY or "")

DOMAIN = "mail.example.test"
# CentOS's privacy options; ratecontrol as its mc comments suggest; the
# access map's sender entry
MC_EXTRA = AUTH_MC + (
    "define(`confPRIVACY_FLAGS', `authwarnings,novrfy,noexpn')dnl\n"
    "define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl\n"
    "FEATURE(`access_db', `hash -T<TMPF> {d}/etc/access')dnl\n"
    "FEATURE(`ratecontrol', `', `terminate')dnl\n")
ACCESS = "From:spammer@bad.example\tREJECT\nClientRate:127.0.0.25\t1\n"


def devlog_wrap(folder):
    """A command line prefix: the command runs in a new mount namespace
    whose /dev/log is the socket folder/log."""
    return ["unshare", "--mount", "sh", "-c",
            DEV_LOG_SCRIPT + 'shift && exec "$@"', "sh", folder]


class Mailboxd(MailboxdProc):
    """mailboxd for IMAP and POP3 on 127.0.0.1, logging to syslog (no
    log_path), user joe (password secret) in a passwd-file."""

    def __init__(self, root, logdir):
        self.port, self.pop3_port = free_port(), free_port()
        home = os.path.join(root, "home")
        spool = os.path.join(root, "spool")
        for d in (os.path.join(home, "mail"), spool):
            os.makedirs(d)
        open(os.path.join(spool, "joe"), "w").close()
        passwd = os.path.join(root, "passwd")
        with open(passwd, "w") as f:
            f.write("joe:{PLAIN}secret:%d:%d::%s::\n" %
                    (os.getuid(), os.getgid(), home))
        self.conf = os.path.join(root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("protocols = imap pop3\n"
                    "listen = 127.0.0.1\n"
                    "ssl = no\n"
                    "disable_plaintext_auth = no\n"
                    "auth_mechanisms = plain login\n"
                    "auth_failure_delay = 100 msecs\n"
                    "first_valid_uid = 0\n"
                    "mail_location = mbox:~/mail:INBOX=%s/%%u\n"
                    "passdb {\n  driver = passwd-file\n  args = %s\n}\n"
                    "userdb {\n  driver = passwd-file\n  args = %s\n}\n"
                    "service imap-login {\n  inet_listener imap {\n"
                    "    port = %d\n  }\n  inet_listener imaps {\n"
                    "    port = 0\n  }\n}\n"
                    "service pop3-login {\n  inet_listener pop3 {\n"
                    "    port = %d\n  }\n  inet_listener pop3s {\n"
                    "    port = 0\n  }\n}\n" %
                    (spool, passwd, passwd, self.port, self.pop3_port))
        self.wrap = devlog_wrap(logdir)


class FromAddress:
    """imaplib's or poplib's client connecting from a chosen address."""

    def __init__(self, port, src):
        self.src = src
        super().__init__("127.0.0.1", port, timeout=20)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.src, 0))


class IMAP(FromAddress, imaplib.IMAP4):
    pass


class POP3(FromAddress, poplib.POP3):
    pass


def smtp(d, src):
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=30,
                     source_address=(src, 0))
    s.ehlo("client.example.net")
    return s


def provoke(d, m):
    """The failures of the table above, and the good sessions."""
    for _ in range(3):
        s = smtp(d, "127.0.0.11")
        assert s.docmd("AUTH", "PLAIN " + b64(b"\0bob\0wrong"))[0] == 535
        s.quit()
    s = smtp(d, "127.0.0.12")
    code, _ = s.docmd("AUTH", "CRAM-MD5")
    assert code == 334
    assert s.docmd(b64(b"mallory 0123456789abcdef0123456789abcdef")
                   )[0] == 535
    s.quit()
    # three mechanisms: the fourth AUTH command is an attack
    s = smtp(d, "127.0.0.13")
    for _ in range(4):
        assert s.docmd("AUTH", "LOGIN")[0] == 334
        assert s.docmd("*")[0] == 501
    s.quit()
    s = smtp(d, "127.0.0.21")
    assert s.mail("<a@example.org>")[0] == 250
    assert s.rcpt("<x@remote.example>")[0] == 550
    assert s.rcpt("<y@remote.example>")[0] == 550
    s.quit()
    s = smtp(d, "127.0.0.22")
    assert s.verify("root")[0] == 252
    assert s.expn("root")[0] == 502
    s.quit()
    s = smtp(d, "127.0.0.23")
    assert s.mail("<a@example.org>")[0] == 250
    assert s.rcpt("<nosuch@%s>" % DOMAIN)[0] == 550
    s.quit()
    s = smtp(d, "127.0.0.24")
    assert s.mail("<spammer@bad.example>")[0] == 550
    s.quit()
    smtp(d, "127.0.0.25").quit()
    with pytest.raises(smtplib.SMTPConnectError) as e:
        smtp(d, "127.0.0.25")
    assert e.value.smtp_code == 421
    # the good sessions
    s = smtp(d, "127.0.0.1")
    s.sendmail("<a@example.org>", ["<root@%s>" % DOMAIN],
               "Subject: fine\n\nA good message.\n")
    s.quit()
    c = IMAP(m.port, "127.0.0.31")
    for _ in range(2):
        with pytest.raises(imaplib.IMAP4.error):
            c.login("joe", "wrong")
    c.logout()
    p = POP3(m.pop3_port, "127.0.0.32")
    p.user("joe")
    with pytest.raises(poplib.error_proto):
        p.pass_("wrong")
    p.quit()
    c = IMAP(m.port, "127.0.0.33")
    with pytest.raises(imaplib.IMAP4.error):
        c.login("nosuchuser", "secret")
    c.logout()
    c = IMAP(m.port, "127.0.0.1")
    c.login("joe", "secret")
    c.logout()
    p = POP3(m.pop3_port, "127.0.0.1")
    p.user("joe")
    p.pass_("secret")
    p.quit()


# what each filter must report: address -> failures
WANT = {
    "sendmail-auth": {"127.0.0.11": 3, "127.0.0.12": 1, "127.0.0.13": 1},
    "sendmail-reject": {"127.0.0.21": 2, "127.0.0.22": 2, "127.0.0.25": 1},
    "dovecot": {"127.0.0.31": 1, "127.0.0.32": 1, "127.0.0.33": 1},
}
# the lines the log must hold once every session has ended
LAST_LINES = [
    r"sendmail\[\d+\]: \w+: from=<a@example\.org>, size=\d+, class=0, "
    r"nrcpts=1, msgid=",
    r"sendmail\[\d+\]: \w+: from=<spammer@bad\.example>, size=0, class=0, "
    r"nrcpts=0, proto=ESMTP, daemon=MTA, relay=\[127\.0\.0\.24\]",
    r"dovecot\[\d+\]: imap-login: Disconnected: [A-Za-z ]+ \(auth failed, 1 "
    r"attempts in \d+ secs\): user=<nosuchuser>, method=PLAIN, "
    r"rip=127\.0\.0\.33",
    r"dovecot\[\d+\]: pop3\(joe\)<\d+><[^>]+>: Disconnected: Logged out "
    r"top=\d+/\d+, retr=\d+/\d+, del=\d+/\d+, size=\d+",
    r"dovecot\[\d+\]: imap\(joe\)<\d+><[^>]+>: Disconnected: Logged out "
    r"in=\d+ out=\d+",
]


@pytest.fixture(scope="module")
def maillog(tmp_path_factory, sasl):  # noqa: F811
    root = str(tmp_path_factory.mktemp("f2b"))
    os.chmod(root, 0o755)
    path = os.path.join(root, "maillog")
    syslog = Syslog()
    syslog.add(os.path.join(root, "log"), path, "mail")
    syslog.start()
    d = Daemon(os.path.join(root, "smtpd"),
               mc_extra=MC_EXTRA.replace("{d}", os.path.join(root, "smtpd")),
               access=ACCESS)
    d.wrap = devlog_wrap(root)
    m = Mailboxd(os.path.join(root, "mailboxd"), root)
    try:
        d.start()
        m.start()
        provoke(d, m)

        def text():
            with open(path) as f:
                return f.read()
        wait_for("the last sessions' lines in the maillog", lambda: all(
            re.search(x, text()) for x in LAST_LINES), 30)
        yield path
    finally:
        d.stop()
        m.stop()
        syslog.stop()
        if os.environ.get("KEEP_F2B"):
            shutil.copy(path, "/tmp/f2b-maillog")


def fail2ban(logfile, name):
    """fail2ban-regex LOG FILTER: (failures per address, summary line)."""
    filt = os.path.join(FILTERS, name + ".conf")
    p = subprocess.run([FAIL2BAN_REGEX, "--out", "ip", logfile, filt],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    got = {}
    for ip in p.stdout.split():
        got[ip] = got.get(ip, 0) + 1
    p = subprocess.run([FAIL2BAN_REGEX, logfile, filt], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, "
                  r"(\d+) missed", p.stdout, re.M)
    assert m, p.stdout
    return got, [int(x) for x in m.groups()], p.stdout


@pytest.mark.parametrize("name", sorted(WANT))
def test_stock_filter_finds_each_failure_by_address(maillog, name):
    got, (lines, _, matched, _), out = fail2ban(maillog, name)
    assert got == WANT[name], out
    assert matched == sum(WANT[name].values()), out
    assert lines > matched


# ---- logwatch.  Debian's package depends on an MTA, so it is not
# installed: `apt-get download` into regress/.cache/logwatch, unpacked
# with dpkg -x, and its logwatch.pl run with BaseDir and ConfigDir
# pointed at the unpacked tree (they are compiled in).  Debian's
# dist.conf names the mail log mail.log.
LW_CACHE = os.path.join(REGRESS, ".cache", "logwatch")
LW_TREE = os.path.join(LW_CACHE, "root")


def logwatch_tree():
    """The unpacked logwatch, or pytest.skip with the reason."""
    script = os.path.join(LW_TREE, "usr", "sbin", "logwatch")
    if not os.path.exists(script):
        os.makedirs(LW_CACHE, exist_ok=True)
        try:
            r = subprocess.run(["apt-get", "download", "logwatch"],
                               cwd=LW_CACHE, timeout=300,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            pytest.skip("apt-get download logwatch: %s" % e)
        debs = [f for f in os.listdir(LW_CACHE) if f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            pytest.skip("apt-get download logwatch failed: %s" %
                        r.stdout.decode(errors="replace")[-300:])
        subprocess.run(["dpkg", "-x", os.path.join(LW_CACHE, debs[0]),
                        LW_TREE], check=True, timeout=60)
    for svc in ("sendmail", "dovecot"):
        if not os.path.exists(os.path.join(LW_TREE, "usr", "share",
                                           "logwatch", "scripts",
                                           "services", svc)):
            pytest.skip("logwatch has no %s service script" % svc)
    return script


def logwatch(maillog, service):
    """logwatch --service SERVICE over a copy of maillog: its report."""
    script = logwatch_tree()
    base = os.path.join(LW_TREE, "usr", "share", "logwatch")
    work = os.path.join(os.path.dirname(maillog), "logwatch")
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    shutil.copy(maillog, os.path.join(work, "logs", "mail.log"))
    with open(script) as f:
        text = f.read()
    for var, path in (("BaseDir", base),
                      ("ConfigDir", os.path.join(LW_TREE, "etc",
                                                 "logwatch"))):
        text, n = re.subn(r'^my \$%s = "[^"]*";' % var,
                          'my $%s = "%s";' % (var, path), text, flags=re.M)
        assert n == 1, var
    pl = os.path.join(work, "logwatch.pl")
    with open(pl, "w") as f:
        f.write(text)
    p = subprocess.run(["perl", pl, "--service", service, "--logdir",
                        os.path.join(work, "logs"), "--range", "All",
                        "--detail", "High", "--numeric", "--output",
                        "stdout"],
                       env=dict(os.environ, TMPDIR=os.path.join(work, "tmp"),
                                LANG="C"),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def count(report, label):
    m = re.search(r"^\s*%s:?\s+(\d+)\s*$" % label, report, re.M)
    assert m, (label, report)
    return int(m.group(1))


def section(report, title):
    """The lines of a report section, up to the next blank line."""
    m = re.search(r"^ *%s.*\n((?:.*\S.*\n)*)" % re.escape(title), report,
                  re.M)
    assert m, (title, report)
    return m.group(1)


def test_logwatch_sendmail_counts(maillog):
    r = logwatch(maillog, "sendmail")
    assert "Unmatched Entries" not in r, r
    assert count(r, "Messages To Recipients") == 1, r
    assert count(r, "Addressed Recipients") == 1, r
    # the relaying, unknown-user and refused-sender sessions
    assert count(r, "Messages No Valid Rcpts") == 3, r
    assert re.search(r"Sendmail was started 1 time", r), r
    relay = section(r, "Relaying denied")
    assert "[127.0.0.21]" in relay and re.search(r"Total:\s+2$", relay,
                                                 re.M), r
    rej = section(r, "Rejected incoming mail")
    assert "[127.0.0.24] <spammer@bad.example>" in rej, r
    assert "<nosuch@%s>" % DOMAIN in section(r, "Unknown local users"), r
    vrfy = section(r, "Rejected VRFY/EXPN/ETRN")
    assert "127.0.0.22" in vrfy and re.search(r"Total: 2$", vrfy, re.M), r
    auth = section(r, "Failed AUTH requests")
    assert re.search(r"bob\s+3 Times", auth), r
    assert re.search(r"mallory\s+1 Time", auth), r
    assert "command=AUTH, count=4" in section(r, "WARNING!!!!  Possible "
                                                 "Attack"), r
    assert "Connection rate limit exceeded." in r, r


def test_logwatch_dovecot_counts(maillog):
    r = logwatch(maillog, "dovecot")
    m = re.search(r"Successful Logins: (\d+)\n\s+(\d+) joe \(1 POP3, "
                  r"1 IMAP\)", r)
    assert m and m.groups() == ("2", "2"), r
    dis = section(r, "Dovecot disconnects")
    # dovecot 2.3's "Disconnected: REASON (auth failed, N attempts in S
    # secs)", which logwatch counts by reason as it does dovecot's
    # secs, taken in by the grouping, vary with the machine's load
    failed = {}
    for n, att in re.findall(r"^\s+(\d+) Aborted login by logging out "
                             r"\(auth failed, (\d+) attempts in \d+ "
                             r"secs\)$", dis, re.M):
        failed[att] = failed.get(att, 0) + int(n)
    assert failed == {"1": 2, "2": 1}, r
    assert re.search(r"^\s+2 Logged out$", dis, re.M), r
