"""Section 3.11 of the hostile-input catalogue: the 25 open-relay probes
from an unauthorised client, in each mode the catalogue names:

  R01..R25           the first transaction of a session (127.0.0.2)
  Rnn-rset           after a transaction to a local user and RSET
  Rnn-auth           after a failed AUTH PLAIN (a known user, a wrong
                     password: sendmail's 535 5.7.0)
  Rnn-tls            after STARTTLS and a new EHLO
  Rnn-ehlo-localhost, Rnn-ehlo-literal
                     with `EHLO localhost`, `EHLO [127.0.0.1]`
  Rnn-v6             over IPv6 to the daemon's [::1] listener, from an
                     address that is not a loopback (hostile.py puts
                     2001:db8::2 on lo inside a network namespace of its
                     own; where it cannot, these are skipped)

In the same world: §3.1 S22-S24, AUTH with garbage, a second mechanism
after a failed one, AUTH twice, before EHLO, cancelled, in a
transaction, and a command written behind STARTTLS.

The daemon offers AUTH (an sasldb made with saslpasswd2, PLAIN LOGIN
CRAM-MD5 trusted for relaying) and STARTTLS (a certificate the test
makes), and relays through world.py's sink.  Each probe must get the
oracle's reply of the first mode (the relay decision is the same on
every transaction: reference §3.12) and queue nothing; after the run a
queue run must bring 0 messages to the sink.  Controls, which must
relay: 127.0.0.1, ::1 (both "originated locally" in the cf's
LoopbackName, as in sendmail's proto.m4) and a client after a good AUTH.
"""

import base64
import os
import re
import socket
import subprocess

from harness import (EHLO, MAIL, RCPT, Case, SmtpWorld, Tls, nothing_queued,
                     self_signed)

NAME = "relay"
SASLPASSWD = "/usr/sbin/saslpasswd2"
V6_SRC = os.environ.get("HOSTILE_V6_SRC")       # set by hostile.py
V6_SKIP = os.environ.get("HOSTILE_V6_SKIP", "no IPv6 source address")

RELAY_R, RELAY_RIP, RELAY_T = "mail.example.test", "[127.0.0.1]", \
    "example.net"
RELAY_PROBES = [
    ("<spam@T>", "<u@T>"), ("<>", "<u@T>"), ("<postmaster@R>", "<u@T>"),
    ("<spam@[RIP]>", "<u@T>"), (None, "<u%T@R>"), (None, "<u%T@[RIP]>"),
    (None, '<"u@T">'), (None, '<"u%T">'), (None, "<u@T@R>"),
    (None, "<u@T@[RIP]>"), (None, '<"u@T"@R>'), (None, '<"u@T"@[RIP]>'),
    (None, "<@R:u@T>"), (None, "<@[RIP]:u@T>"),
    (None, "<@R,@hop.example.org:u@T>"), (None, "<T!u>"), (None, "<T!u@R>"),
    (None, "<T!u@[RIP]>"), (None, "<R!T!u>"), (None, "<u@T.>"),
    (None, '<"u%T"@R>'), (None, "<u%T@localhost>"), (None, "<u@[192.0.2.1]>"),
    (None, "<u%T%other.example.org@R>"), (None, "<RELAYTEST@EXAMPLE.NET>"),
]
RELAYED = r"(?i)^250 2\.1\.5 .*relaytest"


def b64(b):
    return base64.b64encode(b)


BAD_AUTH = b"AUTH PLAIN " + b64(b"\0alice\0not-the-password") + b"\r\n"
GOOD_AUTH = b"AUTH PLAIN " + b64(b"\0alice\0wonderland") + b"\r\n"

# mode: (steps before the probe, replies they must get, source)
MODES = [
    ("", [(EHLO, 1)], [], "127.0.0.2"),
    ("rset", [(EHLO, 1), (MAIL, 1), (RCPT, 1), (b"RSET\r\n", 1)],
     [r"^250 2\.1\.0", r"^250 2\.1\.5", r"^250 2\.0\.0"], "127.0.0.2"),
    ("auth", [(EHLO, 1), (BAD_AUTH, 1)],
     [r"^535 5\.7\.0 authentication failed"], "127.0.0.2"),
    ("tls", [(EHLO, 1), (Tls(), 0), (EHLO, 1)],
     [r"^220 2\.0\.0 Ready to start TLS", r"^\(tls\)", r"^250 "],
     "127.0.0.2"),
    ("ehlo-localhost", [(b"EHLO localhost\r\n", 1)], [], "127.0.0.2"),
    ("ehlo-literal", [(b"EHLO [127.0.0.1]\r\n", 1)], [], "127.0.0.2"),
    ("v6", [(EHLO, 1)], [], V6_SRC),
]

KNOWN_R04 = ("the catalogue's oracle ran -bs with no {client_name}; from "
             "an outside address in daemon mode the cf's loopback-sender "
             "rule (553 5.5.4 Real domain name required) refuses at MAIL "
             "first; the relay is refused both ways")


def fill(a):
    """The probe's address with R, RIP, T and u filled in (a capital
    R or T inside a word is a letter: probe 25)."""
    a = re.sub(r"(?<![A-Z])T(?![A-Z])", RELAY_T, a)
    return (a.replace("[RIP]", RELAY_RIP).replace("@R", "@" + RELAY_R)
            .replace("R!", RELAY_R + "!")
            .replace("u@", "relaytest@").replace("<u%", "<relaytest%")
            .replace('"u', '"relaytest').replace("!u", "!relaytest"))


def probe(i):
    frm, to = RELAY_PROBES[i - 1]
    return [(b"MAIL FROM:%s\r\n" % fill(frm or "<spam@T>").encode(), 1),
            (b"RCPT TO:%s\r\n" % fill(to).encode(), 1)]


def cases():
    out = []
    for mode, pre, pre_want, src in MODES:
        for i in range(1, len(RELAY_PROBES) + 1):
            want = (r"^553 5\.1\.3 .*Invalid route address" if i in (9, 10)
                    else r"^550 5\.7\.1 .*Relaying denied")
            out.append(Case(
                "R%02d%s" % (i, "-" + mode if mode else ""), pre + probe(i),
                expect=pre_want + [want], never=[RELAYED], src=src or "::1",
                queue=nothing_queued, known=KNOWN_R04 if i == 4 else None,
                ref="§3.11 probe %d%s" % (i, ", " + mode if mode else ""),
                quick=not mode or i in (1, 5, 13, 25),
                skip=None if src else V6_SKIP))
    # the controls: these clients may relay
    out += [
        Case("RC-local", [(EHLO, 1)] + probe(1), expect=[RELAYED],
             queue=nothing_queued, ref="§3.11 control, 127.0.0.1"),
        Case("RC-auth", [(EHLO, 1), (GOOD_AUTH, 1)] + probe(1),
             expect=[r"^235 2\.0\.0 OK Authenticated", RELAYED],
             src="127.0.0.2", queue=nothing_queued,
             ref="§3.11 control, AUTH"),
        Case("RC-v6-loopback", [(EHLO, 1)] + probe(1), expect=[RELAYED],
             src="::1", queue=nothing_queued,
             ref="§3.11 control, ::1 (LoopbackName)",
             skip=None if V6_SRC else V6_SKIP),
    ]
    return out + auth_tls_cases()


def auth_tls_cases():
    """§3.1 S22-S24 in this world (AUTH and STARTTLS offered), from
    127.0.0.2; sendmail 8.17's replies (regress/diff/smtpd_auth_diff.py
    compares them with the oracle)."""
    a = b"AUTH PLAIN "
    dec = r"^501 5\.5\.4 cannot BASE64 decode"
    failed = r"^535 5\.7\.0 authentication failed"
    c = [
        Case("S22-notbase64", [(EHLO, 1), (a + b"!!!notbase64===\r\n", 1)],
             expect=[dec]),
        Case("S22-equals", [(EHLO, 1), (a + b"=\r\n", 1)],
             expect=[r"^(501 5\.5\.4|535 5\.7\.0)"]),
        Case("S22-padding", [(EHLO, 1), (a + b"AGFsaWNl=\r\n", 1)],
             expect=[dec]),
        Case("S22-1mb", [(EHLO, 1), (a + b"QUFB" * 262144 + b"\r\n", 1)],
             # the 421 is lost when the close resets the connection
             # while the client still writes
             expect=[r"^(421 4\.7\.0 \S+ Command too long|\(closed\))"],
             closed=True),
        Case("S22-nuls", [(EHLO, 1), (a + b64(b"\0\0\0") + b"\r\n", 1)],
             expect=[r"^(535 5\.7\.0|501 5\.5\.4)"]),
        Case("S22-nopass", [(EHLO, 1), (a + b64(b"\0alice") + b"\r\n", 1)],
             expect=[r"^(535 5\.7\.0|501 5\.5\.4)"]),
        Case("S22-authzid", [(EHLO, 1), (a + b64(b"z" * 300 + b"\0alice\0"
                                                 b"wonderland") + b"\r\n",
                                         1)],
             expect=[r"^535 5\.7\.0"], never=[r"^235"]),
        Case("S22-login-garbage", [(EHLO, 1), (b"AUTH LOGIN\r\n", 1),
                                   (b"!!!\r\n", 1)],
             expect=[r"^334 VXNlcm5hbWU6", r"^501 5\.5\.4 cannot decode"]),
        Case("S23-a-then-b", [(EHLO, 1), (BAD_AUTH, 1),
                              (b"AUTH LOGIN\r\n", 1), (b64(b"alice") +
                                                      b"\r\n", 1),
                              (b64(b"wonderland") + b"\r\n", 1)] + probe(1),
             expect=[failed, r"^334 VXNlcm5hbWU6", r"^334 UGFzc3dvcmQ6",
                     r"^235 2\.0\.0 OK Authenticated", RELAYED],
             ref="§3.1 S23 (CVE-2011-1720: a second mechanism after a "
             "failed one starts clean)"),
        Case("S23-twice", [(EHLO, 1), (GOOD_AUTH, 1), (GOOD_AUTH, 1)],
             expect=[r"^235", r"^503 5\.5\.0 Already Authenticated"]),
        # sendmail, too, takes AUTH before EHLO (smtpd_auth_diff.py's
        # before-ehlo dialogue is equal to the oracle's)
        Case("S23-before-ehlo", [(GOOD_AUTH, 1)],
             expect=[r"^235 2\.0\.0 OK Authenticated"]),
        Case("S23-cancel", [(EHLO, 1), (b"AUTH LOGIN\r\n", 1),
                            (b"*\r\n", 1)] + probe(1),
             expect=[r"^334", r"^501 5\.0\.0 AUTH aborted",
                     r"^550 5\.7\.1 .*Relaying denied"], never=[RELAYED]),
        Case("S23-in-mail", [(EHLO, 1), (MAIL, 1), (GOOD_AUTH, 1)],
             expect=[r"^250", r"^503 5\.5\.0 AUTH not permitted during a "
                     r"mail transaction"]),
        Case("S24", [(EHLO, 1), (b"STARTTLS\r\nMAIL FROM:<x@y.example>\r\n",
                                 0), (Tls(cmd=False), 0), (EHLO, 1),
                     (b"RCPT TO:<root@mail.example.test>\r\n", 1)],
             expect=[r"^220 2\.0\.0 Ready to start TLS", r"^\(tls\)",
                     r"^250 ", r"^503 5\.0\.0 Need MAIL before RCPT"],
             never=[r"^250 2\.1\.0"],
             ref="§3.1 S24 (CVE-2011-0411: MAIL behind STARTTLS never "
             "runs)"),
    ]
    for x in c:
        x.src = "127.0.0.2"
        x.ref = x.ref or "§3.1 " + x.id[:3]
    return c


def v6_port():
    """A free port on [::1], or None without IPv6 on the loopback."""
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
    except OSError:
        return None
    port = s.getsockname()[1]
    s.close()
    return port


class RelayWorld(SmtpWorld):
    """The daemon with AUTH (sasldb), STARTTLS, an [::1] listener and a
    sink as its smart host."""

    def __init__(self, root):
        os.makedirs(root)
        conf = os.path.join(root, "sasl")
        os.makedirs(conf)
        db = os.path.join(conf, "sasldb2")
        subprocess.run([SASLPASSWD, "-p", "-c", "-f", db, "-u", RELAY_R,
                        "alice"], input=b"wonderland", check=True,
                       timeout=30)
        with open(os.path.join(conf, "Sendmail.conf"), "w") as f:
            f.write("pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
                    "sasldb_path: %s\nmech_list: PLAIN LOGIN CRAM-MD5\n"
                    % db)
        self.sasl_conf = conf
        key, cert = self_signed(root, "mail.example.test")
        self.port6 = v6_port()
        mc = ("define(`confAUTH_MECHANISMS', `CRAM-MD5 LOGIN PLAIN')dnl\n"
              "TRUST_AUTH_MECH(`CRAM-MD5 LOGIN PLAIN')dnl\n"
              "define(`confREFUSE_LA', `1000')dnl\n"
              "define(`confCACERT', `%s')dnl\n"
              "define(`confSERVER_CERT', `%s')dnl\n"
              "define(`confSERVER_KEY', `%s')dnl\n" % (cert, cert, key))
        if self.port6:
            mc += ("DAEMON_OPTIONS(`Port=%d,Addr=::1,Family=inet6,"
                   "Name=MTA6')dnl\n" % self.port6)
        SmtpWorld.__init__(self, os.path.join(root, "w"), extra_mc=mc,
                           sink=True)

    def start(self):
        old = os.environ.get("SASL_CONF_PATH")
        os.environ["SASL_CONF_PATH"] = self.sasl_conf
        try:
            return SmtpWorld.start(self)
        finally:
            if old is None:
                del os.environ["SASL_CONF_PATH"]
            else:
                os.environ["SASL_CONF_PATH"] = old

    def restart(self):
        self.w.kill_all()
        self.start()

    def target(self, case):
        if ":" in case.src:
            return "::1", self.port6
        return "127.0.0.1", self.w.port

    def finish(self):
        """A queue run, then nothing at the sink and nothing queued."""
        left = self.w.run_queue(rounds=1)
        sink = [n for n in os.listdir(self.w.sink.dir)
                if not n.endswith(".tmp")]
        problems = []
        if sink:
            problems.append("%d messages at the sink" % len(sink))
        if left:
            problems.append("%d qf left in the queue" % len(left))
        return [("relay-sink (§3.11: 0 messages at the sink)", problems)]


def start(root):
    return RelayWorld(root).start()
