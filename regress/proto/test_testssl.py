"""testssl (Debian's testssl.sh) against the SMTP daemon's STARTTLS, with
the TLS settings of the CentOS sendmail.mc (dist/etc/mail/sendmail.mc:
confCACERT_PATH, confCACERT, confSERVER_CERT, confSERVER_KEY and
confTLS_SRV_OPTIONS `V') compiled by our cf package, certificates made by
the test (a CA, a server certificate for 127.0.0.1/localhost, valid a
year, with a CRL distribution point), the daemon on 127.0.0.1 at a port
chosen at run time.

testssl runs protocols, cipher categories, forward secrecy, server
defaults and preferences and every vulnerability check (-p -s -f -S -P
-U) over `-t smtp`, trusting the test's CA (--add-ca), without DNS and
without going out for CRLs or OCSP; the test fails on any finding of
severity HIGH or CRITICAL, and checks a few findings by name so that a
run that tested nothing cannot pass.  Debian 12's testssl 3.0.8 has no
STARTTLS injection check (3.2 has, and is used when present), so the
test makes that probe itself on the same daemon: commands pipelined
behind STARTTLS in one segment must never be answered inside TLS.
"""

import json
import os
import shutil
import subprocess

import pytest

from test_smtpd import SENDMAIL, Daemon
from test_smtpd_tls import openssl, starttls_injected

TESTSSL = shutil.which("testssl") or shutil.which("testssl.sh")

pytestmark = pytest.mark.skipif(
    not os.access(SENDMAIL, os.X_OK) or shutil.which("openssl") is None
    or TESTSSL is None, reason="no sendmail binary, openssl or testssl")

# the TLS lines of dist/etc/mail/sendmail.mc, with the test's paths
CENTOS_TLS_MC = (
    "define(`confCACERT_PATH', `{p}')dnl\n"
    "define(`confCACERT', `{p}/ca.pem')dnl\n"
    "define(`confSERVER_CERT', `{p}/server.pem')dnl\n"
    "define(`confSERVER_KEY', `{p}/server.key')dnl\n"
    "define(`confTLS_SRV_OPTIONS', `V')dnl\n")


def make_pki(d):
    """A CA and a server certificate as a site would have them: a year
    long, names in subjectAltName, a CRL distribution point (never
    fetched: testssl runs without --phone-out)."""
    os.makedirs(d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "400",
            "-subj", "/O=Test CA/CN=test-ca", "-keyout", "ca.key",
            "-out", "ca.pem", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "crlDistributionPoints=URI:http://127.0.0.1/test-ca.crl\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
            "/O=Test/CN=localhost", "-keyout", "server.key",
            "-out", "server.csr", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-days", "365",
            "-sha256", "-extfile", "server.ext", "-out", "server.pem",
            cwd=d)
    return d


@pytest.fixture(scope="module")
def centos_tls(tmp_path_factory):
    root = tmp_path_factory.mktemp("testssl")
    pki = make_pki(str(root / "pki"))
    d = Daemon(str(root / "d"), mc_extra=CENTOS_TLS_MC.format(p=pki))
    d.start()
    yield d, pki
    d.stop()


def option_known(option):
    p = subprocess.run([TESTSSL, "--help"], capture_output=True,
                       text=True, timeout=60)
    return option in p.stdout


def test_testssl_finds_nothing_high_or_critical(centos_tls, tmp_path):
    d, pki = centos_tls
    out = str(tmp_path / "testssl.json")
    checks = ["-p", "-s", "-f", "-S", "-P", "-U"]
    if option_known("--starttls-injection"):
        checks.append("--starttls-injection")
    p = subprocess.run(
        [TESTSSL, "--quiet", "--color", "0", "--warnings", "off",
         "--nodns", "none", "--add-ca", os.path.join(pki, "ca.pem"),
         "--connect-timeout", "10", "--openssl-timeout", "10",
         "--jsonfile", out] + checks +
        ["-t", "smtp", "127.0.0.1:%d" % d.port],
        capture_output=True, text=True, timeout=600)
    assert os.path.exists(out), p.stdout + p.stderr
    with open(out) as f:
        findings = json.load(f)
    by_id = {x["id"]: x for x in findings}
    bad = ["%s %s: %s" % (x["severity"], x["id"], x["finding"])
           for x in findings if x["severity"] in ("HIGH", "CRITICAL")]
    assert not bad, "\n".join(bad) + "\n" + p.stdout
    # the run did test something, and what the defaults promise holds
    for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        assert by_id[proto]["finding"].startswith("not offered"), \
            by_id[proto]
    assert by_id["TLS1_2"]["finding"].startswith("offered")
    assert by_id["TLS1_3"]["finding"].startswith("offered")
    for vuln in ("heartbleed", "CCS", "secure_renego", "CRIME_TLS",
                 "POODLE_SSL", "SWEET32", "FREAK", "LUCKY13", "RC4",
                 "cipher_order", "cert_chain_of_trust"):
        assert by_id[vuln]["severity"] in ("OK", "INFO"), by_id[vuln]
    assert "scanProblem" not in by_id, by_id.get("scanProblem")


def test_starttls_injection_is_not_answered(centos_tls):
    d, pki = centos_tls
    starttls_injected(d.port, pki,
                      b"EHLO injected.example\r\nNOOP\r\n").close()
