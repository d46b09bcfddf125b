"""Figure 12 (doc/reliability.md): sslscan (Debian's sslscan) against
every TLS service we run, with their default settings: the SMTP daemon's
STARTTLS (the CentOS sendmail.mc TLS lines, as test_testssl.py) and its
SMTPS port (M=s), and mailboxd's IMAP STARTTLS, IMAPS, POP3 STLS and
POP3S.  Each must offer no SSLv2 or SSLv3 and accept no NULL, EXPORT,
anonymous (ADH/AECDH/anon), RC4 or single-DES cipher; and each scan must
have seen TLS 1.2 or 1.3 accepted with some cipher, so that a scan that
could not connect cannot pass.  sslscan's XML is parsed, and its
findings are printed for the record (pytest -s).
"""

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from procs import free_port
from test_smtpd import SENDMAIL, Daemon
from test_testssl import CENTOS_TLS_MC, make_pki
import test_imap
import test_pop3

SSLSCAN = shutil.which("sslscan")

pytestmark = pytest.mark.skipif(
    not os.access(SENDMAIL, os.X_OK) or shutil.which("openssl") is None
    or SSLSCAN is None or not os.access(test_imap.MAILBOXD, os.X_OK),
    reason="no sendmail or mailboxd binary, openssl or sslscan")

# what must never be accepted: NULL, EXPORT, anonymous, RC4, single DES
WEAK = re.compile(r"NULL|EXP|anon|ADH|AECDH|RC4|(^|-)DES-CBC-|^DES-")


def sslscan(port, starttls=None):
    """sslscan's findings for 127.0.0.1:port: ({(type, version):
    enabled}, [(sslversion, cipher, strength)] accepted)."""
    argv = [SSLSCAN, "--no-colour", "--xml=-", "--no-heartbleed"]
    if starttls:
        argv.append("--starttls-" + starttls)
    p = subprocess.run(argv + ["127.0.0.1:%d" % port], capture_output=True,
                       text=True, timeout=300)
    out = p.stdout
    start = out.find("<?xml")
    assert start >= 0, p.stdout + p.stderr
    root = ET.fromstring(out[start:])
    protos = {(x.get("type"), x.get("version")): x.get("enabled") == "1"
              for x in root.iter("protocol")}
    ciphers = [(x.get("sslversion"), x.get("cipher"), x.get("strength"))
               for x in root.iter("cipher")
               if x.get("status") in ("accepted", "preferred")]
    return protos, ciphers


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("sslscan")
    pki = make_pki(str(root / "pki"))
    smtps = free_port()
    d = Daemon(str(root / "d"), mc_extra=CENTOS_TLS_MC.format(p=pki) +
               "DAEMON_OPTIONS(`Port=%d,Addr=127.0.0.1, Name=MTA-SSL, "
               "M=s')dnl\n" % smtps)
    imap_root = str(root / "imap")
    pop_root = str(root / "pop3")
    os.makedirs(imap_root)
    os.makedirs(pop_root)
    imap = test_imap.Server(imap_root, ssl_mode="yes")
    pop = test_pop3.Server(pop_root, ssl_mode="yes")
    started = []
    try:
        d.start()
        started.append(d)
        imap.start()
        started.append(imap)
        pop.start()
        started.append(pop)
        yield {"SMTP STARTTLS": (d.port, "smtp"),
               "SMTPS (M=s)": (smtps, None),
               "IMAP STARTTLS": (imap.port, "imap"),
               "IMAPS": (imap.sport, None),
               "POP3 STLS": (pop.port, "pop3"),
               "POP3S": (pop.sport, None)}
    finally:
        for s in started:
            s.stop()


@pytest.mark.parametrize("name", ["SMTP STARTTLS", "SMTPS (M=s)",
                                  "IMAP STARTTLS", "IMAPS", "POP3 STLS",
                                  "POP3S"])
def test_no_old_protocol_or_weak_cipher(services, name):
    port, starttls = services[name]
    protos, ciphers = sslscan(port, starttls)
    print("sslscan %s: protocols %s; accepted %s" % (
        name, ", ".join("%s%s" % (t, v) for (t, v), on in
                        sorted(protos.items()) if on),
        ", ".join("%s %s" % c[:2] for c in ciphers)))
    assert not protos.get(("ssl", "2")) and not protos.get(("ssl", "3")), \
        protos
    assert ciphers, "no cipher accepted: the scan did not get through"
    assert any(c[0] in ("TLSv1.2", "TLSv1.3") for c in ciphers), ciphers
    weak = [c for c in ciphers if WEAK.search(c[1]) or
            c[2] in ("null", "anonymous", "weak")]
    assert not weak, weak
