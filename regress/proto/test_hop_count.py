"""MaxHopCount in queue runs (reference reliability.md §3.3 H08): a
message that has passed more hosts than MaxHopCount (25 when the cf
leaves it unset) is in a loop; as sendmail's sendall() does, the SMTP
client still gets its 250 (the check runs at delivery), and the queue
run returns the message to the sender with 5.4.6 "Too many hops"
instead of delivering it.  One under the limit is delivered."""

import os
import shutil
import socket
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fault"))

import world  # noqa: E402

pytestmark = pytest.mark.skipif(not os.access(world.SENDMAIL, os.X_OK),
                                reason="no %s" % world.SENDMAIL)


def send(port, received, tag):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if line[3:4] != b"-":
                return line

    reply()
    for c in (b"EHLO client.example.net", b"MAIL FROM:<a@example.com>",
              b"RCPT TO:<root@mail.example.test>", b"DATA"):
        s.sendall(c + b"\r\n")
        reply()
    hdrs = b"".join(b"Received: from h%d.example.net by x.example.net; "
                    b"Mon, 1 Jan 2024 00:00:00 +0000\r\n" % i
                    for i in range(received))
    s.sendall(hdrs + b"Subject: " + tag + b"\r\n\r\nbody\r\n.\r\n")
    r = reply()
    s.sendall(b"QUIT\r\n")
    s.close()
    return r


def test_looping_message_is_returned_not_delivered():
    root = tempfile.mkdtemp(prefix="hops.", dir="/var/tmp")
    w = world.World(root, mode="queueonly")
    try:
        w.start()
        # ours adds one Received: 25 passes, 26 is one too many
        assert send(w.port, 24, b"hops-ok").startswith(b"250 ")
        assert send(w.port, 25, b"hops-loop").startswith(b"250 ")
        w.stop()
        assert w.run_queue() == []
        with open(os.path.join(root, "mail", "root"), "rb") as f:
            mbox = f.read()
        assert b"Subject: hops-ok" in mbox
        assert b"hops-loop" not in mbox
        returned = []
        for name in os.listdir(w.sink.dir):
            with open(os.path.join(w.sink.dir, name), "rb") as f:
                returned.append(f.read())
        assert len(returned) == 1
        assert returned[0].startswith(b"<a@example.com>\n")
        assert b"Too many hops 26 (25 max)" in returned[0]
        assert b"5.4.6" in returned[0]
        assert b"Subject: hops-loop" in returned[0]
    finally:
        w.close()
        shutil.rmtree(root, ignore_errors=True)
