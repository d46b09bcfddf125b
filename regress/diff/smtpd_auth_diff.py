#!/usr/bin/env python3
"""Differential test of SMTP AUTH in the SMTP daemon: the real sendmail
8.17 (Debian's, built with Cyrus SASL) and ours run `-bd -odq` on the
CentOS 7 cf with AuthMechanisms, C{TrustAuthMech} and smtpd_tls_diff.py's
certificates added, inside
smtpd_diff.py's private namespaces, where a Sendmail.conf the test writes
(auxprop over an sasldb made with saslpasswd2 -f) is bind-mounted over
/usr/lib/sasl2, one of the folders the SASL library looks in: both
binaries find it where an administrator's would be.  The same AUTH
dialogues (PLAIN with an initial response, LOGIN step by step, failures,
a cancelled exchange, bad base64, AUTH in a transaction, relaying before
and after AUTH, MAIL's AUTH= parameter) go to each; replies (the EHLO
keyword included) and queue files (A line, Received) must be equal after
smtp_diff.py's normalisations.

Usage: smtpd_auth_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff smtpd-auth-<case>: ... lines (run_tests.py).
"""

import base64
import os
import shutil
import subprocess
import sys

import oracle_env
import smtpd_diff
import smtpd_tls_diff
from oracle_env import Skip, write
from smtp_diff import MSG

LABEL = "smtpd-auth"

SASL_DIR = "/usr/lib/sasl2"
REALM = oracle_env.HOSTNAME


def b64(s):
    return base64.b64encode(s.encode("latin1")).decode()


EHLO = "EHLO client.example.net"
PLAIN = "AUTH PLAIN " + b64("\0alice\0wonderland")
OUT = "127.0.0.2"       # a client that may not relay unauthenticated

CASES = {
    # PLAIN with an initial response, again (503), a relayed message
    # with AUTH= naming the authenticated user
    "plain-relay": (OUT, [EHLO, PLAIN, PLAIN, EHLO,
                          "MAIL FROM:<alice@example.com> AUTH=alice",
                          "RCPT TO:<x@far.example>", "DATA"] + MSG +
                    ["QUIT"]),
    # LOGIN step by step; a message without AUTH=
    "login": ("127.0.0.1", [EHLO, "AUTH LOGIN", b64("alice"),
                            b64("wonderland"),
                            "MAIL FROM:<alice@example.com>",
                            "RCPT TO:<joe>", "DATA"] + MSG + ["QUIT"]),
    # wrong password, unknown mechanism, none, bad base64 (initial and
    # in the exchange), "*"
    "failures": ("127.0.0.1", [EHLO, "AUTH PLAIN " +
                               b64("\0alice\0wrong"), "AUTH FOO",
                               "AUTH", "AUTH PLAIN !!notbase64",
                               "AUTH LOGIN", "*", "AUTH LOGIN", "%%%",
                               "AUTH LOGIN", b64("alice"), "*", "NOOP",
                               "QUIT"]),
    # relaying refused before AUTH; AUTH= before AUTH; AUTH in a
    # transaction
    "unauth": (OUT, [EHLO, "MAIL FROM:<a@example.com> AUTH=<>",
                     "RCPT TO:<x@far.example>", PLAIN, "RSET",
                     "MAIL FROM:<a@example.com> AUTH=", "QUIT"]),
    # AUTH= for somebody else after AUTH: trust_auth says no
    "other-author": (OUT, [EHLO, PLAIN,
                           "MAIL FROM:<a@example.com> AUTH=mallory",
                           "RCPT TO:<joe>", "DATA"] + MSG + ["QUIT"]),
    # AUTH= without a value, with bad xtext, an address
    "param-syntax": ("127.0.0.1", [EHLO, PLAIN,
                                   "MAIL FROM:<a@example.com> AUTH",
                                   "MAIL FROM:<a@example.com> AUTH=a+zz",
                                   "MAIL FROM:<a@example.com> AUTH=a+2Bb",
                                   "RSET",
                                   "MAIL FROM:<a@example.com> "
                                   "AUTH=<alice@vm.example.test>",
                                   "RCPT TO:<joe>", "DATA"] + MSG +
                     ["QUIT"]),
    # a client with a name (the cf's relay refusal for it), then AUTH
    "named-client": ("192.0.2.20", [EHLO, "MAIL FROM:<a@example.com>",
                                    "RCPT TO:<x@far.example>", PLAIN,
                                    "RSET", "MAIL FROM:<a@example.com>",
                                    "RCPT TO:<x@far.example>", "QUIT"]),
    # AUTH, then STARTTLS: what survives the handshake
    "auth-then-tls": ("127.0.0.1", [EHLO, PLAIN, "STARTTLS", "<TLS>",
                                    EHLO, PLAIN,
                                    "MAIL FROM:<alice@example.com> "
                                    "AUTH=alice", "RCPT TO:<joe>",
                                    "DATA"] + MSG + ["QUIT"]),
    # which refusal texts a new EHLO forgets (the qf's M line)
    "refusal-then-ehlo": ("127.0.0.1", [EHLO, "STARTTLS now", EHLO,
                                        "MAIL FROM:<alice@example.com>",
                                        "RCPT TO:<joe>", "DATA"] + MSG +
                          ["QUIT"]),
    # AUTH before EHLO, then HELO
    "before-ehlo": ("127.0.0.1", [PLAIN, "HELO client.example.net",
                                  "MAIL FROM:<a@example.com>",
                                  "RCPT TO:<joe>", "DATA"] + MSG +
                    ["QUIT"]),
}


def prepare(tmp, cf):
    """The sasldb, Sendmail.conf, and the cf lines that offer AUTH."""
    saslpasswd = shutil.which("saslpasswd2") or "/usr/sbin/saslpasswd2"
    if not os.access(saslpasswd, os.X_OK):
        raise Skip("saslpasswd2 not installed (sasl2-bin)")
    if not os.path.isdir(SASL_DIR):
        raise Skip("no %s to mount over" % SASL_DIR)
    d = os.path.join(tmp, "sasl2")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(tmp, "sasldb2")
    subprocess.run([saslpasswd, "-p", "-c", "-f", db, "-u", REALM,
                    "alice"], input=b"wonderland", check=True,
                   capture_output=True, timeout=30)
    os.chmod(db, 0o600)
    write(os.path.join(d, "Sendmail.conf"),
          "pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
          "sasldb_path: %s\nmech_list: PLAIN LOGIN CRAM-MD5\n" % db)
    # LogLevel 10: sendmail logs AUTH failures too (and its connect
    # from, started as, aborted by sender lines); RefuseLA high: a
    # busy test machine must not make either daemon turn clients away
    cf.write("O RefuseLA=1000\n"
             "O LogLevel=10\nO AuthMechanisms=CRAM-MD5 LOGIN PLAIN\n"
             "C{TrustAuthMech}CRAM-MD5 LOGIN PLAIN\n")
    # and STARTTLS, for what AUTH and TLS do to each other
    smtpd_tls_diff.prepare(tmp, cf)


def challenge(line):
    """A CRAM-MD5 challenge ("<random.time@host>") differs from run to
    run: its base64 is replaced by a word."""
    if line.startswith(b"334 "):
        try:
            if base64.b64decode(line[4:], validate=True).startswith(b"<"):
                return b"334 <cram-md5 challenge>"
        except ValueError:
            pass
    return line


def lines_of(res, name):
    return [challenge(x) for x in _lines_of(res, name)]


def install():
    """smtpd_diff's dialogues (replies, queue files, log lines) in
    namespaces that see our SASL folder where the library looks."""
    global _lines_of, _log_lines
    _lines_of, _log_lines = smtpd_diff.lines_of, smtpd_diff.log_lines
    # LogLevel 10 (so that sendmail logs AUTH failures) also brings
    # sendmail's two tls_srv_features lines after STARTTLS (the result
    # of a Srv_Features lookup), which we do not write
    smtpd_diff.log_lines = lambda lines: [
        x for x in _log_lines(lines) if "tls_srv_features=" not in x]
    smtpd_diff.NS_PRE = 'mount --bind "$1/sasl2" %s || exit 125; ' % SASL_DIR
    smtpd_diff.lines_of = lines_of
    smtpd_diff.EXTRA_ADDRS = smtpd_diff.EXTRA_ADDRS + ["192.0.2.20/32"]


if __name__ == "__main__":
    install()
    sys.exit(smtpd_diff.main(CASES, LABEL, prepare))
