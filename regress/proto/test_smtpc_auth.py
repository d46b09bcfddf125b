"""SMTP AUTH in the SMTP client: a queue run of our sendmail relays
through SMART_HOST to a second instance of our daemon that offers AUTH
(Cyrus SASL through a real saslauthd, see test_smtpd_auth.py) and
STARTTLS, with the credentials in an AuthInfo: entry of FEATURE(authinfo)'s
map or of the access map, as the cf's authinfo ruleset finds them.

What is checked: PLAIN over TLS with the entry's user and secret (the
receiving daemon's Received header says "authenticated", ESMTPSA, and
the transcript shows AUTH and 235), LOGIN chosen by the entry's M:, a
wrong secret answered 535 and the message still sent unauthenticated, no
PLAIN in the clear unless the entry's M: asks for it, no AUTH without an
entry, and MAIL's AUTH= parameter passed on from the queue file.
"""

import os
import re
import subprocess

import pytest

from test_smtpd import BIN, Daemon, read_qf
from test_smtpd_auth import AUTH_MC, pytestmark, sasl  # noqa: F401
from test_smtpd_tls import make_pki, tls_mc
from test_smtpc_tls import World

MAKEMAP = os.path.join(BIN, "makemap")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(str(tmp_path_factory.mktemp("cauth") / "pki"))


def relay_world(pki, port, entry, mapname="authinfo", extra=""):
    """A sending instance with SMART_HOST our daemon on port and entry
    (the value for AuthInfo:127.0.0.1) in its authinfo or access map."""
    feature = ("FEATURE(`authinfo')dnl\n" if mapname == "authinfo" else
               "FEATURE(`access_db')dnl\n")
    w = World(pki, port, feature + "define(`confAUTH_MECHANISMS', "
              "`PLAIN LOGIN CRAM-MD5')dnl\n" + extra)
    path = os.path.join(w.d, "etc", mapname)
    with open(path, "w") as f:
        if entry is not None:
            f.write("AuthInfo:127.0.0.1\t%s\n" % entry)
    with open(path) as src:
        subprocess.run([MAKEMAP, "-C", "/dev/null", "hash", path],
                       stdin=src, check=True, timeout=30)
    return w


@pytest.fixture
def tls_sink(tmp_path, sasl, pki):  # noqa: F811
    d = Daemon(str(tmp_path / "sink"), mc_extra=tls_mc(pki, AUTH_MC))
    try:
        d.start()
        yield d
    finally:
        d.stop()    # by the PID it wrote, even when start timed out


@pytest.fixture
def clear_sink(tmp_path, sasl):  # noqa: F811
    d = Daemon(str(tmp_path / "sink"), mc_extra=AUTH_MC)
    try:
        d.start()
        yield d
    finally:
        d.stop()    # by the PID it wrote, even when start timed out


def relay_one(d, w):
    """Queue run to d; the Received header d wrote."""
    try:
        p = w.queue_and_run()
        out = p.stdout.decode("latin1")
        assert "x@remote.example... Sent" in out, out
        [qf] = d.queue()
        text = read_qf(qf)
    finally:
        w.close()
    m = re.search(r"^H\?\?Received: (.*?)\n(?!\t)", text, re.M | re.S)
    return m.group(1)


def test_plain_over_tls_with_authinfo_map(tls_sink, pki):
    rec = relay_one(tls_sink, relay_world(
        pki, tls_sink.port, '"U:bob" "P:hunter2"'))
    assert "(authenticated bits=0)" in rec, rec
    assert "with ESMTPSA id" in rec, rec


def test_login_by_the_entrys_mechanism_list(tls_sink, pki):
    rec = relay_one(tls_sink, relay_world(
        pki, tls_sink.port, '"I:carol" "P:pw-carol" "M:LOGIN"'))
    assert "(authenticated bits=0)" in rec, rec


def test_access_map_authinfo_and_base64_secret(tls_sink, pki):
    rec = relay_one(tls_sink, relay_world(
        pki, tls_sink.port, '"U:bob" "P=aHVudGVyMg=="', mapname="access"))
    assert "(authenticated bits=0)" in rec, rec


def test_wrong_secret_goes_on_unauthenticated(tls_sink, pki):
    rec = relay_one(tls_sink, relay_world(
        pki, tls_sink.port, '"U:bob" "P:wrong"'))
    assert "authenticated" not in rec, rec


def test_no_plain_in_the_clear_unless_asked(clear_sink, pki):
    rec = relay_one(clear_sink, relay_world(
        pki, clear_sink.port, '"U:bob" "P:hunter2"'))
    assert "authenticated" not in rec


def test_plain_in_the_clear_when_the_entry_names_it(clear_sink, pki):
    rec = relay_one(clear_sink, relay_world(
        pki, clear_sink.port, '"U:bob" "P:hunter2" "M:PLAIN"'))
    assert "with ESMTPA id" in rec, rec


def test_no_entry_no_auth(tls_sink, pki):
    rec = relay_one(tls_sink, relay_world(pki, tls_sink.port,
                                                  None))
    assert "authenticated" not in rec


def test_auth_param_passed_on(tls_sink, pki):
    w = relay_world(pki, tls_sink.port, '"U:bob" "P:hunter2"')
    # the submission's AUTH= (the qf's A line) goes on to the next hop,
    # where trust_auth lets bob speak for himself
    p = w.sm(["-odq", "-f", "bob", "-N", "never", "x@remote.example"],
             b"Subject: a\n\nbody\n")
    assert p.returncode == 0, p.stderr
    [qf] = w.qfs()
    text = read_qf(qf)
    with open(qf, "w", encoding="latin1") as f:
        f.write(re.sub(r"\nA[^\n]*", "", text).replace("\nS", "\nAbob\nS",
                                                       1))
    p = w.sm(["-qf", "-v"])
    w.close()
    assert b"x@remote.example... Sent" in p.stdout, p.stdout
    assert "\nAbob\n" in read_qf(tls_sink.queue()[0])
