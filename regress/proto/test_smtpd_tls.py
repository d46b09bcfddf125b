"""STARTTLS and SMTPS in the SMTP daemon (sendmail -bd), against
certificates the test makes with `openssl req`/`openssl x509`: a CA, a
server certificate for 127.0.0.1/localhost and a client certificate.

Clients: Python's smtplib with an ssl context trusting only the test's
CA, raw sockets for the STARTTLS injection test (CVE-2011-0411 class:
commands sent in the clear behind STARTTLS must never be answered inside
TLS), and `openssl s_client -starttls smtp`.  What is checked: the EHLO
keyword only with a certificate and only before TLS, sendmail's replies
(220 2.0.0 Ready to start TLS, 454 4.3.3 TLS not available after start,
501 with a parameter), EHLO needed again after the handshake, the
Received header's TLS clause in the queued message, {verify} NO / OK /
NOT (TLSSrvOptions=V), tls_client refusing an unverified client through
an access-db TLS_Clt: entry, old protocols refused by default, and an
M=s port speaking TLS from the first byte.
"""

import os
import re
import shutil
import socket
import smtplib
import ssl
import subprocess
import time

import pytest

from test_smtpd import SENDMAIL, Daemon, free_port, read_qf

pytestmark = pytest.mark.skipif(
    not os.access(SENDMAIL, os.X_OK) or shutil.which("openssl") is None,
    reason="no sendmail binary or no openssl")


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def make_pki(d):
    """CA, server (127.0.0.1, localhost) and client certificates in d."""
    os.makedirs(d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/O=Test CA/CN=test-ca", "-keyout", "ca.key",
            "-out", "ca.pem", cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, cn in (("server", "localhost"), ("client", "client.example")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
                "/O=Test/CN=%s" % cn, "-keyout", name + ".key",
                "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "san.ext", "-out", name + ".pem", cwd=d)
    return d


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(str(tmp_path_factory.mktemp("tls") / "pki"))


def tls_mc(pki, extra=""):
    return ("define(`confCACERT', `{p}/ca.pem')dnl\n"
            "define(`confSERVER_CERT', `{p}/server.pem')dnl\n"
            "define(`confSERVER_KEY', `{p}/server.key')dnl\n"
            .format(p=pki) + extra)


def client_ctx(pki, cert=False):
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    if cert:
        ctx.load_cert_chain(os.path.join(pki, "client.pem"),
                            os.path.join(pki, "client.key"))
    return ctx


@pytest.fixture
def tlsd(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(pki))
    d.start()
    yield d
    d.stop()


def send_one(s, rcpt="root"):
    code, _ = s.mail("<sender@example.org>")
    assert code == 250
    code, _ = s.rcpt("<%s>" % rcpt)
    assert code == 250
    code, _ = s.data(b"Subject: tls\r\n\r\nover TLS\r\n")
    assert code == 250


def received(d):
    q = d.queue()
    assert len(q) == 1
    m = re.search(r"^H\?\?Received: (.*?)\n(?!\t)", read_qf(q[0]),
                  re.M | re.S)
    assert m, read_qf(q[0])
    return m.group(1)


def test_ehlo_offers_starttls_only_with_a_certificate(tlsd, tmp_path):
    s = smtplib.SMTP("127.0.0.1", tlsd.port, timeout=10)
    s.ehlo("client.example.net")
    assert s.has_extn("starttls")
    s.quit()
    plain = Daemon(str(tmp_path / "plain"))
    plain.start()
    try:
        s = smtplib.SMTP("127.0.0.1", plain.port, timeout=10)
        s.ehlo("client.example.net")
        assert not s.has_extn("starttls")
        assert s.docmd("STARTTLS") == (
            454, b"4.3.3 TLS not available after start")
        s.quit()
    finally:
        plain.stop()


def test_starttls_with_smtplib_and_received_clause(tlsd, pki):
    s = smtplib.SMTP("127.0.0.1", tlsd.port, timeout=10)
    s.ehlo("client.example.net")
    code, msg = s.starttls(context=client_ctx(pki))
    assert (code, msg) == (220, b"2.0.0 Ready to start TLS")
    version = s.sock.version()
    cipher, _, bits = s.sock.cipher()
    s.ehlo("client.example.net")
    assert not s.has_extn("starttls")       # offered once only
    assert s.docmd("STARTTLS") == (
        454, b"4.3.3 TLS not available after start")
    send_one(s)
    s.quit()
    rec = received(tlsd)
    assert ("(version=%s cipher=%s bits=%d verify=NO)" %
            (version, cipher, bits)) in rec, rec
    assert "with ESMTPS id" in rec     # RFC 3848, as sendmail says


def mail_over_tls(d, pki, cert):
    """One message over STARTTLS; the Received header it got."""
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
    s.starttls(context=client_ctx(pki, cert=cert))
    s.ehlo("client.example.net")
    send_one(s)
    s.quit()
    return received(d)


def test_client_certificate_gives_verify_ok(tlsd, pki):
    assert "verify=OK)" in mail_over_tls(tlsd, pki, True)


def test_tlssrvoptions_v_asks_no_certificate(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(
        pki, "define(`confTLS_SRV_OPTIONS', `V')dnl\n"))
    d.start()
    try:
        assert "verify=NOT)" in mail_over_tls(d, pki, True)
    finally:
        d.stop()


def test_starttls_with_parameter_or_in_transaction(tlsd):
    s = smtplib.SMTP("127.0.0.1", tlsd.port, timeout=10)
    s.ehlo("client.example.net")
    assert s.docmd("STARTTLS", "now") == (
        501, b"5.5.2 Syntax error (no parameters allowed)")
    assert s.mail("<a@example.org>")[0] == 250
    assert s.docmd("STARTTLS") == (
        503, b"5.5.0 TLS not permitted during a mail transaction")
    s.quit()


def read_reply(f):
    lines = []
    while True:
        line = f.readline()
        assert line, "connection closed"
        lines.append(line)
        if line[3:4] != b"-":
            return b"".join(lines)


def starttls_injected(port, pki, injected):
    """STARTTLS with `injected' in the same segment; the TLS socket,
    after checking that nothing was answered inside TLS and that a NOOP
    is."""
    c = socket.create_connection(("127.0.0.1", port), 10)
    f = c.makefile("rb")
    assert read_reply(f).startswith(b"220 ")
    c.sendall(b"EHLO c.example.net\r\n")
    assert b"STARTTLS" in read_reply(f)
    c.sendall(b"STARTTLS\r\n" + injected)
    assert f.readline() == b"220 2.0.0 Ready to start TLS\r\n"
    t = client_ctx(pki).wrap_socket(c, server_hostname="localhost")
    t.settimeout(1.0)
    with pytest.raises(socket.timeout):
        data = t.recv(4096)
        raise AssertionError("answered injected input: %r" % data)
    t.settimeout(10)
    t.sendall(b"NOOP\r\n")
    assert t.recv(4096) == b"250 2.0.0 OK\r\n"
    return t


def test_plaintext_pipelined_after_starttls_is_discarded(tlsd, pki):
    # one segment: the RSET and MAIL must never be executed
    t = starttls_injected(tlsd.port, pki,
                          b"RSET\r\nMAIL FROM:<evil@example.org>\r\n")
    # no sender was taken from the injected MAIL
    t.sendall(b"RCPT TO:<root>\r\n")
    assert t.recv(4096).startswith(b"503 5.0.0 Need MAIL before RCPT")
    t.sendall(b"QUIT\r\n")
    assert t.recv(4096).startswith(b"221 ")
    t.close()


def test_openssl_s_client_starttls(tlsd, pki):
    p = subprocess.Popen(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % tlsd.port,
         "-starttls", "smtp", "-CAfile", os.path.join(pki, "ca.pem"),
         "-verify_return_error", "-crlf", "-ign_eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        # one command at a time: EHLO must be the last of its group
        time.sleep(1.5)
        p.stdin.write(b"EHLO c.example.net\n")
        p.stdin.flush()
        time.sleep(1.5)
        out, _ = p.communicate(b"QUIT\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out = out.decode("latin1")
    assert "Verify return code: 0 (ok)" in out, out
    after = out.split("Verify return code")[1]
    assert "250-mail.example.test Hello localhost [127.0.0.1]" in after, out
    assert "250-STARTTLS" not in after
    assert "221 2.0.0 mail.example.test closing connection" in after, out


def test_old_protocols_refused_by_default(tlsd, pki):
    p = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % tlsd.port,
         "-starttls", "smtp", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        input=b"QUIT\n", capture_output=True, timeout=30)
    assert p.returncode != 0
    assert b"Verify return code" not in p.stdout or \
        b"Cipher is (NONE)" in p.stdout
    # the daemon serves on
    s = smtplib.SMTP("127.0.0.1", tlsd.port, timeout=10)
    s.starttls(context=client_ctx(pki))
    assert s.sock.version() in ("TLSv1.2", "TLSv1.3")
    s.quit()


def test_tls_clt_verify_required_refuses_unverified_client(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(
        pki, "define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl\n"
        "FEATURE(`access_db', `hash -T<TMPF> %s/d/etc/access')dnl\n"
        % tmp_path), access="TLS_Clt:127.0.0.1\tVERIFY\n")
    d.start()
    try:
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.starttls(context=client_ctx(pki))
        s.ehlo("client.example.net")
        code, msg = s.mail("<a@example.org>")
        assert (code, msg) == (454, b"4.7.0 not authenticated")
        s.quit()
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.starttls(context=client_ctx(pki, cert=True))
        s.ehlo("client.example.net")
        assert s.mail("<a@example.org>")[0] == 250
        s.quit()
    finally:
        d.stop()


def test_smtps_port_speaks_tls_first(tmp_path, pki):
    port2 = free_port()
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(
        pki, "DAEMON_OPTIONS(`Port=%d,Addr=127.0.0.1, Name=MTA-SSL, M=s')"
        "dnl\n" % port2))
    d.start()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port2), 1).close()
                break
            except OSError:
                time.sleep(0.05)
        s = smtplib.SMTP_SSL("127.0.0.1", port2, timeout=10,
                             context=client_ctx(pki))
        code, _ = s.ehlo("client.example.net")
        assert code == 250 and not s.has_extn("starttls")
        send_one(s)
        s.quit()
        assert "verify=NO)" in received(d)
    finally:
        d.stop()


def test_cipherlist_and_server_ssl_options(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(
        pki, "define(`confSERVER_SSL_OPTIONS', `+SSL_OP_NO_TLSv1_3')dnl\n"
        "define(`confCIPHER_LIST', `ECDHE-RSA-AES128-GCM-SHA256')dnl\n"
        "define(`confDH_PARAMETERS', `none')dnl\n"))
    d.start()
    try:
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.starttls(context=client_ctx(pki))
        assert s.sock.version() == "TLSv1.2"
        assert s.sock.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256"
        s.ehlo("client.example.net")
        send_one(s)
        s.quit()
        assert ("(version=TLSv1.2 cipher=ECDHE-RSA-AES128-GCM-SHA256 "
                "bits=128 verify=NO)") in received(d)
    finally:
        d.stop()


def test_unloadable_certificate_means_no_starttls(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(pki).replace(
        "server.key", "ca.key"))       # a key that is not the cert's
    d.start()
    try:
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.ehlo("client.example.net")
        assert not s.has_extn("starttls")
        assert s.docmd("STARTTLS")[0] == 454
        s.quit()
    finally:
        d.stop()


def worker_uids(pid):
    """Real uids of the daemon's children (its pre-forked workers)."""
    uids = set()
    for t in os.listdir("/proc"):
        if not t.isdigit():
            continue
        try:
            with open("/proc/%s/status" % t) as f:
                st = dict(l.split(":", 1) for l in f if ":" in l)
        except OSError:
            continue
        if int(st["PPid"]) == pid:
            uids.add(int(st["Uid"].split()[0]))
    return uids


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_only_key_still_gives_starttls(tmp_path, pki):
    """The usual layout: the key is 0600 root in a 0700 folder while
    the workers run as the queue's owner.  The key is loaded before
    they give root up, so STARTTLS is still offered."""
    keys = tmp_path / "private"
    keys.mkdir(mode=0o700)
    for f in ("server.pem", "server.key"):
        shutil.copy(os.path.join(pki, f), keys / f)
        os.chmod(keys / f, 0o600)
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(pki).replace(
        "%s/server" % pki, "%s/server" % keys))
    # the workers become nobody, the owner of the queue
    for p in (tmp_path, tmp_path / "d"):
        os.chmod(p, 0o755)
    os.chown(os.path.join(d.root, "mqueue"), 65534, 65534)
    d.start()
    try:
        assert 65534 in worker_uids(d.pid)
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.ehlo("client.example.net")
        assert s.has_extn("starttls")
        assert s.starttls(context=client_ctx(pki))[0] == 220
        s.ehlo("client.example.net")
        send_one(s)
        s.quit()
    finally:
        d.stop()
