#!/usr/bin/env python3
"""Differential test of SMTP AUTH with STARTTLS in the SMTP daemon: the
set-up of smtpd_auth_diff.py (Sendmail.conf over /usr/lib/sasl2, an
sasldb, the CentOS 7 cf with AuthMechanisms, C{TrustAuthMech} and
certificates) plus AuthOptions=p, so that PLAIN and
LOGIN are offered only once TLS is up, and EXTERNAL for a client that
shows a certificate.  The same dialogues go to the
real sendmail 8.17 and to ours; replies, queue files (Received with its
TLS clause and protocol word) and AUTH log lines must be equal.

Usage: smtpd_auth_tls_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff smtpd-auth-tls-<case>: ... lines.
"""

import os
import sys

import smtpd_auth_diff as ad
import smtpd_diff
from smtp_diff import MSG

EHLO = ad.EHLO
PLAIN = ad.PLAIN

CASES = {
    # PLAIN refused in the clear, offered and taken under TLS
    "plain-after-tls": (ad.OUT, [EHLO, PLAIN, "STARTTLS", "<TLS>", EHLO,
                                 PLAIN, "MAIL FROM:<alice@example.com>",
                                 "RCPT TO:<x@far.example>", "DATA"] +
                        MSG + ["QUIT"]),
    # AUTH before TLS with the one mechanism left, then STARTTLS
    "login-clear-then-tls": ("127.0.0.1", [EHLO, "AUTH LOGIN", "STARTTLS",
                                           "<TLS>", EHLO, "AUTH LOGIN",
                                           ad.b64("alice"),
                                           ad.b64("wonderland"), EHLO,
                                           "QUIT"]),
    # AUTH (CRAM-MD5 needs a computed answer: "*" gives up), then TLS
    "abort-then-tls": ("127.0.0.1", [EHLO, "AUTH CRAM-MD5", "*",
                                     "STARTTLS", "<TLS>", EHLO, PLAIN,
                                     "STARTTLS", "QUIT"]),
    # SASL EXTERNAL: offered once the client showed a certificate the
    # CA file vouches for, and taken without a password
    "external": ("127.0.0.1", [EHLO, "STARTTLS", "<TLSCERT>", EHLO,
                               "AUTH EXTERNAL =",
                               "MAIL FROM:<alice@example.com>",
                               "RCPT TO:<x@far.example>", "DATA"] + MSG +
                 ["QUIT"]),
    # no certificate: not offered, and refused when asked for
    "external-no-cert": ("127.0.0.1", [EHLO, "STARTTLS", "<TLS>", EHLO,
                                       "AUTH EXTERNAL =", "QUIT"]),
}


def prepare(tmp, cf):
    ad.prepare(tmp, cf)
    conf = os.path.join(tmp, "sasl2", "Sendmail.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("mech_list: ", "mech_list: EXTERNAL "))
    cf.write("O AuthOptions=p\n"
             "O AuthMechanisms=EXTERNAL CRAM-MD5 LOGIN PLAIN\n"
             "C{TrustAuthMech}EXTERNAL\n")


if __name__ == "__main__":
    ad.install()
    sys.exit(smtpd_diff.main(CASES, "smtpd-auth-tls", prepare))
