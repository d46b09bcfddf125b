"""PAM as the passdb (Debian's default for dovecot), with a PAM service
file made by the test: pam_wrapper (libpam-wrapper) makes libpam read
services from the test's folder and pam_matrix checks passwords from a
file, so nothing under /etc/pam.d is touched.  userdb is static.
"""

import os
import poplib
import subprocess
import tempfile
import shutil

import pytest

from test_pop3 import MAILBOXD, MBOX, Server

WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
MATRIX = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(WRAPPER) and os.path.exists(MATRIX) and
         os.access(MAILBOXD, os.X_OK)),
    reason="needs libpam-wrapper (make deps) and %s" % MAILBOXD)


@pytest.fixture
def pam(monkeypatch):
    d = tempfile.mkdtemp(prefix="test_pop3_pam.")
    os.chmod(d, 0o755)
    users = os.path.join(d, "matrix")
    with open(users, "w") as f:
        f.write("joe:secret:dovecot\nann:other:mailpop\n")
    svc = os.path.join(d, "pam.d")
    os.makedirs(svc)
    for name in ("dovecot", "mailpop"):
        with open(os.path.join(svc, name), "w") as f:
            f.write("auth required %s passdb=%s\n"
                    "account required %s passdb=%s\n" %
                    (MATRIX, users, MATRIX, users))
    monkeypatch.setenv("LD_PRELOAD", WRAPPER)
    monkeypatch.setenv("PAM_WRAPPER", "1")
    monkeypatch.setenv("PAM_WRAPPER_SERVICE_DIR", svc)
    # under ASan: no RTLD_DEEPBIND when pam_wrapper loads libpam (1.1.4
    # reads the variable under uid_wrapper's name), and ASan need not be
    # first in the library list
    monkeypatch.setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1")
    monkeypatch.setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1")
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") +
                       ":verify_asan_link_order=0")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def pam_server(root, service_args=""):
    s = Server(root)
    home = s.home
    auth = os.path.join(root, "conf.d", "10-auth.conf")
    with open(auth, "w") as f:
        f.write("passdb {\n  driver = pam\n%s}\n"
                "userdb {\n  driver = static\n"
                "  args = uid=%d gid=%d home=%s\n}\n" %
                ("  args = %s\n" % service_args if service_args else "",
                 os.getuid(), os.getgid(), home))
    return s


def check(conf, user, pw):
    r = subprocess.run([MAILBOXD, "-c", conf, "-a", user],
                       input=pw.encode() + b"\n", stdout=subprocess.PIPE)
    return r.returncode


def test_pam_service_dovecot_by_default(pam):
    s = pam_server(pam)
    assert check(s.conf, "joe", "secret") == 0
    assert check(s.conf, "joe", "wrong") == 77
    assert check(s.conf, "nosuch", "secret") == 77
    assert check(s.conf, "ann", "other") == 77     # not allowed: dovecot


def test_pam_service_from_args(pam):
    s = pam_server(pam, service_args="mailpop")
    assert check(s.conf, "ann", "other") == 0
    assert check(s.conf, "joe", "secret") == 77


def test_pop3_login_through_pam(pam):
    s = pam_server(pam)
    with open(s.mbox(), "w") as f:
        f.write(MBOX)
    s.start()
    try:
        p = s.login("joe", "secret")
        assert p.stat()[0] == 3
        p.quit()
        p = s.pop()
        p.user("joe")
        with pytest.raises(poplib.error_proto,
                           match=r"-ERR \[AUTH\] Authentication failed"):
            p.pass_("wrong")
        p.quit()
    finally:
        s.stop()
