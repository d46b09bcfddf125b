"""The real opendkim (Debian's) as a mail filter in front of our daemon:
the test makes a key with opendkim-genkey, writes opendkim's config
(signing for client.example, an inet socket on 127.0.0.1 at a run-time
port), starts it in the foreground and stops it by its PID.  The
message our daemon queues must carry a DKIM-Signature that verifies
against the public key (python3-dkim, the key served by a dnsfunc: no
DNS is asked).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from procs import stop_child
from test_milter import MSG, headers, mta, queued, send
from test_smtpd import free_port

dkim = pytest.importorskip("dkim")
pytestmark = pytest.mark.skipif(shutil.which("opendkim") is None or
                                shutil.which("opendkim-genkey") is None,
                                reason="no opendkim / opendkim-tools")


def public_key(txt_path):
    """The TXT record text of opendkim-genkey's .txt file."""
    with open(txt_path) as f:
        return "".join(re.findall(r'"([^"]*)"', f.read())).encode()


REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture
def safe_dir():
    """A folder for opendkim's config and key: opendkim refuses files
    under a folder others may write (/tmp), so it lives where the
    differential tests keep theirs (oracle_env.make_tmp)."""
    sys.path.insert(0, os.path.join(REPO, "regress", "diff"))
    import oracle_env
    try:
        d = oracle_env.make_tmp("dkim-")
    except oracle_env.Skip as e:
        pytest.skip(str(e))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def start_opendkim(root, port):
    keydir = os.path.join(root, "keys")
    os.makedirs(keydir)
    subprocess.run(["opendkim-genkey", "-b", "2048", "-d", "client.example",
                    "-s", "test", "-D", keydir], check=True, timeout=120)
    os.chmod(os.path.join(keydir, "test.private"), 0o600)
    conf = os.path.join(root, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("Mode\ts\nDomain\tclient.example\nSelector\ttest\n"
                "KeyFile\t%s\nSocket\tinet:%d@127.0.0.1\n"
                "Canonicalization\trelaxed/simple\nSyslog\tno\n"
                "PidFile\t%s\nBackground\tno\n"
                % (os.path.join(keydir, "test.private"), port,
                   os.path.join(root, "opendkim.pid")))
    proc = subprocess.Popen(["opendkim", "-f", "-x", conf],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc, public_key(os.path.join(keydir, "test.txt"))
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode())
            time.sleep(0.05)
    stop_child(proc)
    raise AssertionError("opendkim does not listen")


def message_from_queue(qf, df):
    """The message as delivery would write it, CRLF lines."""
    out = b""
    for h in headers(qf):
        if h.startswith("Return-Path:"):
            continue
        out += h.replace("\n", "\r\n").encode("latin1") + b"\r\n"
    return out + b"\r\n" + df.replace(b"\n", b"\r\n")


def test_opendkim_signs_and_the_signature_verifies(tmp_path, safe_dir):
    port = free_port()
    proc, pub = start_opendkim(safe_dir, port)
    made = []
    try:
        d = mta(str(tmp_path / "mta"), port, "T", made=made)
        r = send(d)
        assert r[-1][0] == 250, r
        [(qf, df)] = queued(d)
        assert any(h.startswith("DKIM-Signature:") for h in headers(qf))
        msg = message_from_queue(qf, df)

        def dnsfunc(name, timeout=5):
            assert name == b"test._domainkey.client.example."
            return pub
        assert dkim.verify(msg, dnsfunc=dnsfunc), msg
        # the body changed after signing no longer verifies
        assert not dkim.verify(msg.replace(b"line two", b"line 2"),
                               dnsfunc=dnsfunc)
    finally:
        for d in made:
            d.stop()
        stop_child(proc)
