#!/usr/bin/env python3
"""Differential test of STARTTLS in the SMTP daemon: the real sendmail
8.17 (Debian's, built with STARTTLS) and ours run `-bd -odq` on the
CentOS 7 cf with ServerCertFile, ServerKeyFile, CACertFile and
CACertPath added (a CA and a server certificate the test makes with
openssl), inside
smtpd_diff.py's private network namespace; the same dialogues with
STARTTLS steps (smtpd_driver.py's "<TLS>" and "<QUIET>") go to each, and
replies and queue files (with the Received header's TLS clause) must be
equal after smtp_diff.py's normalisations.

Usage: smtpd_tls_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff smtpd-tls-<case>: ... lines (run_tests.py).
"""

import os
import shutil
import subprocess
import sys

from oracle_env import Skip
from smtp_diff import MSG
from smtpd_diff import main

EHLO = "EHLO client.example.net"
MAIL = "MAIL FROM:<alice@example.com>"

CASES = {
    # STARTTLS, EHLO again (no STARTTLS offered), a second STARTTLS,
    # then a message whose Received header carries the TLS clause
    "starttls": ("127.0.0.1", [EHLO, "STARTTLS", "<TLS>", EHLO,
                               "STARTTLS", MAIL, "RCPT TO:<joe>", "DATA"] +
                 MSG + ["QUIT"]),
    # a parameter, and STARTTLS inside a transaction
    "refusals": ("127.0.0.1", [EHLO, "STARTTLS now", MAIL, "STARTTLS",
                               "RSET", "QUIT"]),
    # commands behind STARTTLS in the same segment are never answered
    "injection": ("127.0.0.1", [EHLO, "STARTTLS\r\nRSET\r\n"
                                "MAIL FROM:<x@y.example>", "<TLS>",
                                "<QUIET>", "NOOP", "RCPT TO:<joe>",
                                "QUIT"]),
    # HELO (not EHLO) over TLS: the protocol word of the Received header
    "helo-after-tls": ("127.0.0.1", [EHLO, "STARTTLS", "<TLS>",
                                     "HELO client.example.net", MAIL,
                                     "RCPT TO:<joe>", "DATA"] + MSG +
                       ["QUIT"]),
    # what the session allows before a new EHLO
    "no-ehlo-after-tls": ("127.0.0.1", [EHLO, "STARTTLS", "<TLS>", MAIL,
                                        "RCPT TO:<joe>", "QUIT"]),
}


def make_pki(tmp):
    """CA, server and client certificates and keys under
    tmp/etc/mail/certs."""
    d = os.path.join(tmp, "etc/mail/certs")
    os.makedirs(d, exist_ok=True)

    def ossl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True,
                       capture_output=True, timeout=60)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/O=Test CA/CN=test-ca", "-keyout", "ca.key",
         "-out", "ca.pem")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
         "/O=Test/CN=localhost", "-keyout", "server.key", "-out",
         "server.csr")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
         "ca.key", "-CAcreateserial", "-days", "2", "-out", "server.pem")
    # a client's, for "<TLSCERT>" (SASL EXTERNAL)
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
         "/O=Test/CN=alice", "-keyout", "client.key", "-out", "client.csr")
    ossl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey",
         "ca.key", "-CAcreateserial", "-days", "2", "-out", "client.pem")
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o600 if f.endswith(".key") else
                 0o644)
    return d


def prepare(tmp, cf):
    """The certificates, and the cf options that name them."""
    if not shutil.which("openssl"):
        raise Skip("openssl not installed")
    pki = make_pki(tmp)
    # sendmail 8.17 offers STARTTLS only with CACertPath set too
    cf.write("O CACertFile=%s/ca.pem\nO CACertPath=%s\n"
             "O ServerCertFile=%s/server.pem\nO ServerKeyFile=%s/server.key\n"
             % (pki, pki, pki, pki))


if __name__ == "__main__":
    sys.exit(main(CASES, "smtpd-tls", prepare))
