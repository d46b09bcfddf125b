"""SMTP AUTH in the SMTP daemon (sendmail -bd) through Cyrus SASL, with
real peers: a `saslauthd -a pam` the test starts in the foreground on its
own mux folder (pam_wrapper makes its libpam read the test's service file,
pam_matrix checks the test's passwords), and an sasldb made with
`saslpasswd2 -f` for CRAM-MD5 through the auxprop plugin.  The daemon
finds the test's Sendmail.conf through SASL_CONF_PATH.

What is checked: the EHLO keyword (AuthMechanisms intersected with the
library's list; AuthOptions p hides PLAIN and LOGIN until STARTTLS), PLAIN
and LOGIN with smtplib and swaks, CRAM-MD5 against sasldb, sendmail's
replies for a wrong password, an unknown mechanism, a second AUTH, a bad
base64 line and a cancelled exchange, the log lines, relaying allowed to
an authenticated client of a TrustAuthMech mechanism and refused with
"Proper authentication required." to others, the Received header's
"authenticated" clause and ESMTPA, MAIL's AUTH= parameter in the qf,
the port flags M=a and M=A, and AUTH floods slowed down.  Every process
is stopped by its PID.
"""

import base64
import hashlib
import hmac
import os
import re
import shutil
import smtplib
import subprocess
import time

import pytest

from procs import stop_child
from test_smtpd import SENDMAIL, Daemon, read_qf
from test_smtpd_tls import client_ctx, make_pki, tls_mc

SASLAUTHD = shutil.which("saslauthd") or "/usr/sbin/saslauthd"
SASLPASSWD = shutil.which("saslpasswd2") or "/usr/sbin/saslpasswd2"
WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
MATRIX = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"

pytestmark = pytest.mark.skipif(
    not os.access(SENDMAIL, os.X_OK) or not os.access(SASLAUTHD, os.X_OK)
    or not os.path.exists(WRAPPER) or not os.path.exists(MATRIX),
    reason="needs sendmail, saslauthd (sasl2-bin) and libpam-wrapper "
           "(make deps)")

DOMAIN = "mail.example.test"

# a busy test machine must not make the daemon wait for a lower load
# (RefuseLA) before it answers
LA_MC = "define(`confREFUSE_LA', `1000')dnl\n"
AUTH_MC = ("define(`confAUTH_MECHANISMS', `CRAM-MD5 LOGIN PLAIN')dnl\n"
           "TRUST_AUTH_MECH(`CRAM-MD5 LOGIN PLAIN')dnl\n" + LA_MC)


class Saslauthd:
    """saslauthd -a pam in the foreground on root/mux; users from a
    pam_matrix file."""

    def __init__(self, root, users):
        self.root = root
        self.mux = os.path.join(root, "mux")
        os.makedirs(self.mux)
        svc = os.path.join(root, "pam.d")
        os.makedirs(svc)
        matrix = os.path.join(root, "matrix")
        with open(matrix, "w") as f:
            for user, pw in users:
                f.write("%s:%s:smtp\n" % (user, pw))
        with open(os.path.join(svc, "smtp"), "w") as f:
            f.write("auth required %s passdb=%s\n"
                    "account required %s passdb=%s\n" %
                    (MATRIX, matrix, MATRIX, matrix))
        env = dict(os.environ, LD_PRELOAD=WRAPPER, PAM_WRAPPER="1",
                   PAM_WRAPPER_SERVICE_DIR=svc)
        env.pop("ASAN_OPTIONS", None)
        self.log = open(os.path.join(root, "saslauthd.log"), "wb")
        self.proc = subprocess.Popen(
            [SASLAUTHD, "-a", "pam", "-m", self.mux, "-d", "-n", "0"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
            # its SIGTERM handler signals its whole process group
            start_new_session=True)
        sock = os.path.join(self.mux, "mux")
        for _ in range(250):
            if os.path.exists(sock):
                break
            assert self.proc.poll() is None, "saslauthd ended"
            time.sleep(0.02)
        assert os.path.exists(sock), "saslauthd does not listen"
        self.sock = sock

    def stop(self):
        stop_child(self.proc)
        self.log.close()


@pytest.fixture(scope="module")
def sasl(tmp_path_factory):
    """saslauthd, an sasldb and a Sendmail.conf using both."""
    root = str(tmp_path_factory.mktemp("sasl"))
    sa = Saslauthd(root, [("bob", "hunter2"), ("carol", "pw-carol")])
    db = os.path.join(root, "sasldb2")
    subprocess.run([SASLPASSWD, "-p", "-c", "-f", db, "-u", DOMAIN,
                    "alice"], input=b"wonderland", check=True, timeout=30)
    conf = os.path.join(root, "conf")
    os.makedirs(conf)
    with open(os.path.join(conf, "Sendmail.conf"), "w") as f:
        f.write("pwcheck_method: saslauthd auxprop\n"
                "saslauthd_path: %s\n"
                "auxprop_plugin: sasldb\n"
                "sasldb_path: %s\n"
                "mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 ANONYMOUS\n"
                % (sa.sock, db))
    old = os.environ.get("SASL_CONF_PATH")
    os.environ["SASL_CONF_PATH"] = conf
    yield sa
    if old is None:
        del os.environ["SASL_CONF_PATH"]
    else:
        os.environ["SASL_CONF_PATH"] = old
    sa.stop()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(str(tmp_path_factory.mktemp("tls") / "pki"))


@pytest.fixture(scope="module")
def authd(tmp_path_factory, sasl):
    d = Daemon(str(tmp_path_factory.mktemp("authd") / "d"), mc_extra=AUTH_MC)
    try:
        d.start()
        yield d
    finally:
        d.stop()    # by the PID it wrote, even when start timed out


def ehlo_auth(s):
    s.ehlo("client.example.net")
    return s.esmtp_features.get("auth")


def connect(d, source=None):
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=20,
                     source_address=source)
    return s


def b64(b):
    return base64.b64encode(b).decode()


def test_ehlo_lists_the_mechanisms_both_allow(authd):
    s = connect(authd)
    # DIGEST-MD5 is the library's but not in AuthMechanisms
    assert sorted(ehlo_auth(s).split()) == ["CRAM-MD5", "LOGIN", "PLAIN"]
    s.quit()


def test_plain_login_with_smtplib(authd):
    s = connect(authd)
    ehlo_auth(s)
    s.user, s.password = "bob", "hunter2"
    code, msg = s.auth("PLAIN", s.auth_plain, initial_response_ok=True)
    assert (code, msg) == (235, b"2.0.0 OK Authenticated")
    assert s.docmd("AUTH", "PLAIN") == (503, b"5.5.0 Already Authenticated")
    s.quit()


def test_login_mechanism(authd):
    s = connect(authd)
    ehlo_auth(s)
    assert s.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
    assert s.docmd(b64(b"carol")) == (334, b"UGFzc3dvcmQ6")
    assert s.docmd(b64(b"pw-carol")) == (235, b"2.0.0 OK Authenticated")
    s.quit()


def test_cram_md5_against_sasldb(authd):
    s = connect(authd)
    ehlo_auth(s)
    code, ch = s.docmd("AUTH", "CRAM-MD5")
    assert code == 334
    digest = hmac.new(b"wonderland", base64.b64decode(ch),
                      hashlib.md5).hexdigest()
    assert s.docmd(b64(b"alice " + digest.encode())) == (
        235, b"2.0.0 OK Authenticated")
    s.quit()


def test_wrong_password_535_and_log(authd):
    s = connect(authd)
    ehlo_auth(s)
    code, msg = s.docmd("AUTH", "PLAIN " + b64(b"\0bob\0wrong"))
    assert (code, msg) == (535, b"5.7.0 authentication failed")
    # a second try on the same connection may still succeed
    code, msg = s.docmd("AUTH", "PLAIN " + b64(b"\0bob\0hunter2"))
    assert code == 235
    s.quit()


def test_unknown_user_and_wrong_password_fail_alike(authd):
    """Figure 15: the same 535 for a known user with a wrong password
    (sasldb's alice, saslauthd's bob) and a user nobody knows, at once
    for a first failure as sendmail answers (brute.py measures the
    timing over many sessions: 1-2 % apart)."""
    for user in (b"alice", b"bob", b"nosuchuser"):
        s = connect(authd)
        ehlo_auth(s)
        t0 = time.monotonic()
        assert s.docmd("AUTH", "PLAIN " + b64(b"\0" + user + b"\0x")) == (
            535, b"5.7.0 authentication failed")
        assert time.monotonic() - t0 < 1.5, user
        s.quit()


def test_unknown_mechanism_and_syntax(authd):
    s = connect(authd)
    ehlo_auth(s)
    assert s.docmd("AUTH", "DIGEST-MD5") == (
        504, b"5.3.3 AUTH mechanism DIGEST-MD5 not available")
    assert s.docmd("AUTH") == (
        501, b"5.5.2 AUTH mechanism must be specified")
    assert s.docmd("AUTH", "PLAIN !!notbase64") == (
        501, b"5.5.4 cannot BASE64 decode '!!notbase64'")
    assert s.docmd("AUTH", "LOGIN")[0] == 334
    assert s.docmd("*") == (501, b"5.0.0 AUTH aborted")
    assert s.docmd("AUTH", "LOGIN")[0] == 334
    assert s.docmd("%%%") == (
        501, b"5.5.4 cannot decode AUTH parameter %%%")
    assert s.noop()[0] == 250
    s.quit()


def test_auth_not_in_a_transaction(authd):
    s = connect(authd)
    ehlo_auth(s)
    assert s.mail("<a@example.org>")[0] == 250
    assert s.docmd("AUTH", "PLAIN " + b64(b"\0bob\0hunter2")) == (
        503, b"5.5.0 AUTH not permitted during a mail transaction")
    s.quit()


# TRUST_AUTH_MECH makes the cf say "Proper authentication required."
# (sendmail-cf's text); 127.0.0.2 has no name here, and for a client
# whose name lookup failed the cf says that instead
RELAY_DENIED = [
    (550, b"5.7.1 <x@remote.example>... Relaying denied. "
          b"Proper authentication required."),
    (550, b"5.7.1 <x@remote.example>... Relaying denied. "
          b"IP name lookup failed [127.0.0.2]")]


def test_relay_needs_authentication(authd):
    s = connect(authd, ("127.0.0.2", 0))
    ehlo_auth(s)
    assert s.mail("<a@example.org>")[0] == 250
    assert s.rcpt("<x@remote.example>") in RELAY_DENIED
    s.rset()
    s.user, s.password = "bob", "hunter2"
    assert s.auth("PLAIN", s.auth_plain)[0] == 235
    assert s.mail("<a@example.org>")[0] == 250
    assert s.rcpt("<x@remote.example>")[0] == 250
    s.quit()


def one_message(d, auth_param, login=True):
    """AUTH as bob (if login), one message with MAIL's AUTH=auth_param;
    the qf's text."""
    s = connect(d)
    ehlo_auth(s)
    if login:
        s.user, s.password = "bob", "hunter2"
        assert s.auth("PLAIN", s.auth_plain)[0] == 235
    assert s.mail("<bob@example.org>", ["AUTH=" + auth_param])[0] == 250
    assert s.rcpt("<root>")[0] == 250
    assert s.data(b"Subject: auth\r\n\r\nhi\r\n")[0] == 250
    s.quit()
    q = d.queue()
    assert len(q) == 1
    return read_qf(q[0])


@pytest.fixture
def fresh(tmp_path, sasl):
    d = Daemon(str(tmp_path / "d"), mc_extra=AUTH_MC)
    try:
        d.start()
        yield d
    finally:
        d.stop()    # by the PID it wrote, even when start timed out


def test_authenticated_message_received_and_auth_param(fresh):
    qf = one_message(fresh, "bob")
    assert "\nAbob\n" in qf, qf
    m = re.search(r"^H\?\?Received: (.*?)\n(?!\t)", qf, re.M | re.S)
    assert "(authenticated bits=0)" in m.group(1), m.group(1)
    assert "with ESMTPA id" in m.group(1), m.group(1)


def test_auth_param_for_someone_else_is_not_trusted(fresh):
    qf = one_message(fresh, "mallory")
    assert "\nA<>\n" in qf, qf


def test_auth_param_without_authentication_is_empty(fresh):
    qf = one_message(fresh, "bob", login=False)
    assert "\nA<>\n" in qf, qf
    assert "authenticated" not in qf


def test_authoptions_p_hides_plaintext_until_tls(tmp_path, sasl, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(pki, AUTH_MC +
               "define(`confAUTH_OPTIONS', `A p y')dnl\n"))
    try:
        d.start()
        s = connect(d)
        assert ehlo_auth(s).split() == ["CRAM-MD5"]
        assert s.docmd("AUTH", "PLAIN " + b64(b"\0bob\0hunter2")) == (
            504, b"5.3.3 AUTH mechanism PLAIN not available")
        s.starttls(context=client_ctx(pki))
        assert sorted(ehlo_auth(s).split()) == ["CRAM-MD5", "LOGIN",
                                                "PLAIN"]
        s.user, s.password = "bob", "hunter2"
        assert s.login("bob", "hunter2")[0] == 235
        s.quit()
    finally:
        d.stop()


@pytest.mark.skipif(shutil.which("swaks") is None, reason="no swaks")
def test_swaks_auth_login_relays(authd):
    p = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(authd.port),
         "--helo", "swaks.example.net", "--from", "bob@example.org",
         "--to", "someone@remote.example", "--auth", "LOGIN",
         "--auth-user", "bob", "--auth-password", "hunter2",
         "--quit-after", "RCPT"],
        capture_output=True, timeout=60)
    out = p.stdout.decode("latin1")
    assert "<-  235 2.0.0 OK Authenticated" in out, out
    assert "<-  250 2.1.5 <someone@remote.example>... Recipient ok" in out, \
        out


def test_no_auth_keyword_without_sasl_mechanisms(tmp_path, sasl):
    d = Daemon(str(tmp_path / "d"), mc_extra=(
        "define(`confAUTH_MECHANISMS', `GSSAPI')dnl\n" + LA_MC))
    try:
        d.start()
        s = connect(d)
        assert ehlo_auth(s) is None
        assert s.docmd("AUTH", "PLAIN") == (503, b"5.3.3 AUTH not available")
        s.quit()
    finally:
        d.stop()


def test_port_flags_a_and_big_a(tmp_path, sasl):
    """M=a: mail only after AUTH; M=A: no AUTH on that port."""
    from test_smtpd import free_port
    need, none = free_port(), free_port()
    d = Daemon(str(tmp_path / "d"), mc_extra=AUTH_MC + (
        "DAEMON_OPTIONS(`Port=%d,Addr=127.0.0.1, Name=MSA, M=a')dnl\n"
        "DAEMON_OPTIONS(`Port=%d,Addr=127.0.0.1, Name=NOAUTH, M=A')dnl\n"
        % (need, none)))
    try:
        d.start()
        s = smtplib.SMTP("127.0.0.1", need, timeout=20)
        assert ehlo_auth(s)
        assert s.docmd("MAIL", "FROM:<a@example.org>") == (
            530, b"5.7.0 Authentication required")
        s.user, s.password = "bob", "hunter2"
        assert s.auth("PLAIN", s.auth_plain)[0] == 235
        assert s.mail("<a@example.org>")[0] == 250
        s.quit()
        s = smtplib.SMTP("127.0.0.1", none, timeout=20)
        assert ehlo_auth(s) is None
        assert s.docmd("AUTH", "PLAIN") == (503, b"5.3.3 AUTH not available")
        s.quit()
    finally:
        d.stop()


def test_auth_flood_is_slowed(authd):
    """More AUTH commands than mechanisms + 1: each waits longer (the
    unknown mechanism keeps the failure delay out of it)."""
    s = connect(authd)
    ehlo_auth(s)
    t0 = time.time()
    for _ in range(3):
        assert s.docmd("AUTH", "FOO")[0] == 504
    assert time.time() - t0 < 0.9
    t0 = time.time()
    assert s.docmd("AUTH", "FOO")[0] == 504    # the 4th: a pause first
    assert time.time() - t0 >= 0.9
    s.quit()


@pytest.mark.parametrize("options,offered", [
    ("", ["ANONYMOUS", "PLAIN"]),
    ("y", ["PLAIN"]),           # no anonymous login
    ("p", ["ANONYMOUS"]),       # no plaintext before TLS
    ("d", []),                  # none safe from dictionary attacks
])
def test_authoptions_letters_shape_the_list(tmp_path, sasl, options,
                                            offered):
    mc = ("define(`confAUTH_MECHANISMS', `ANONYMOUS PLAIN')dnl\n"
          "define(`confAUTH_OPTIONS', `%s')dnl\n" % options + LA_MC)
    d = Daemon(str(tmp_path / "d"), mc_extra=mc)
    try:
        d.start()
        s = connect(d)
        assert (ehlo_auth(s) or "").split() == offered
        s.quit()
    finally:
        d.stop()
