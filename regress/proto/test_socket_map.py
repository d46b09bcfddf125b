"""The socket map class against a real socketmap server: a small Python
server on 127.0.0.1 (port chosen at run time) and on a local socket,
speaking sendmail's netstring protocol.  Lookups go through
`sendmail -bt` and `/map`: found, not found, TEMP/TIMEOUT (75), PERM
(69), a server that does not answer within -d, a server that closes the
connection (the map reconnects), and a server that is gone (75)."""

import os
import shutil
import socket
import threading
import time

import pytest

from maptest import bt, sendmail, workdir, write_cf

TABLE = {
    "joe": "OK joe@mail.example.test",
    "list": "OK a@example.test,b@example.test",
    "temp": "TEMP backend busy",
    "timeout": "TIMEOUT backend slow",
    "perm": "PERM not allowed",
    "weird": "WHAT is this",
}


def netstring(s):
    b = s.encode()
    return b"%d:%s," % (len(b), b)


class Server:
    """One thread per connection; the request is parsed strictly."""

    def __init__(self, sock):
        self.sock = sock
        self.requests = []
        self.connections = 0
        self.stop = False
        self.threads = []
        self.accepter = threading.Thread(target=self.accept, daemon=True)
        self.accepter.start()

    def accept(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self.serve, args=(conn,),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def read_netstring(self, conn):
        data = b""
        while b":" not in data:
            c = conn.recv(1)
            if not c:
                return None
            data += c
        n = int(data[:-1])
        body = b""
        while len(body) < n + 1:
            c = conn.recv(n + 1 - len(body))
            if not c:
                return None
            body += c
        assert body[-1:] == b",", body
        return body[:-1].decode()

    def serve(self, conn):
        with conn:
            conn.settimeout(10)
            while not self.stop:
                try:
                    req = self.read_netstring(conn)
                except (OSError, ValueError):
                    return
                if req is None:
                    return
                self.requests.append(req)
                name, _, key = req.partition(" ")
                if key == "slow":
                    time.sleep(3)
                    continue
                if key == "hangup":
                    return
                if key == "garbage":
                    conn.sendall(b"xx")
                    return
                reply = TABLE.get(key, "NOTFOUND")
                conn.sendall(netstring(reply))

    def close(self):
        self.stop = True
        self.sock.close()
        self.accepter.join(5)
        for t in self.threads:
            t.join(5)


@pytest.fixture
def tree():
    if not os.access(sendmail(), os.X_OK):
        pytest.skip("no sendmail binary at %s (run make)" % sendmail())
    d = workdir("sockmap")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def inet_server():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    srv = Server(s)
    try:
        yield srv, s.getsockname()[1]
    finally:
        srv.close()


def test_found_notfound_and_error_replies(tree, inet_server):
    srv, port = inet_server
    cf = write_cf(tree, "Ksock socket -d2 inet:%d@127.0.0.1\n" % port)
    _, got = bt(cf, ["/map sock joe", "/map sock JOE", "/map sock nobody",
                     "/map sock list", "/map sock temp",
                     "/map sock timeout", "/map sock perm",
                     "/map sock weird"])
    assert got == [
        "map_lookup: sock (joe) returns joe@mail.example.test (0)",
        "map_lookup: sock (JOE) returns joe@mail.example.test (0)",
        "map_lookup: sock (nobody) no match (68)",
        "map_lookup: sock (list) returns a@example.test,b@example.test (0)",
        "map_lookup: sock (temp) no match (75)",
        "map_lookup: sock (timeout) no match (75)",
        "map_lookup: sock (perm) no match (69)",
        "map_lookup: sock (weird) no match (76)",
    ]
    # the key is lowercased (no -f) and sent after the map's name
    assert srv.requests[:3] == ["sock joe", "sock joe", "sock nobody"]
    # one connection for all lookups
    assert srv.connections == 1


def test_f_flag_keeps_case_and_value_takes_append(tree, inet_server):
    srv, port = inet_server
    cf = write_cf(tree, "Ksock socket -f -a.OK inet:%d@127.0.0.1\n" % port)
    _, got = bt(cf, ["/map sock JOE", "/map sock joe"])
    assert got == ["map_lookup: sock (JOE) no match (68)",
                   "map_lookup: sock (joe) returns "
                   "joe@mail.example.test.OK (0)"]
    assert srv.requests == ["sock JOE", "sock joe"]


def test_reply_timeout_is_tempfail(tree, inet_server):
    srv, port = inet_server
    cf = write_cf(tree, "Ksock socket -d1 inet:%d@127.0.0.1\n" % port)
    t0 = time.time()
    out, got = bt(cf, ["/map sock slow"])
    assert time.time() - t0 < 10
    assert got == ["map_lookup: sock (slow) no match (75)"]
    assert "socket_map_lookup(sock): read timeout" in out


def test_closed_connection_is_reopened(tree, inet_server):
    srv, port = inet_server
    cf = write_cf(tree, "Ksock socket -d2 inet:%d@127.0.0.1\n" % port)
    _, got = bt(cf, ["/map sock hangup", "/map sock joe",
                     "/map sock garbage", "/map sock joe"])
    assert got[1] == "map_lookup: sock (joe) returns joe@mail.example.test (0)"
    assert got[2] == "map_lookup: sock (garbage) no match (75)"
    assert got[3] == "map_lookup: sock (joe) returns joe@mail.example.test (0)"
    assert srv.connections >= 3


def test_local_socket(tree):
    path = os.path.join(tree, "sm.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(4)
    srv = Server(s)
    try:
        cf = write_cf(tree, "Ksock socket local:%s\n" % path)
        _, got = bt(cf, ["/map sock joe", "/map sock nobody"])
    finally:
        srv.close()
    assert got == [
        "map_lookup: sock (joe) returns joe@mail.example.test (0)",
        "map_lookup: sock (nobody) no match (68)",
    ]


def test_server_gone_is_tempfail_not_notfound(tree):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()           # nothing listens there now
    cf = write_cf(tree, "Ksock socket inet:%d@127.0.0.1\n" % port)
    _, got = bt(cf, ["/map sock joe", "/map sock joe"])
    assert got == ["map_lookup: sock (joe) no match (75)"] * 2
