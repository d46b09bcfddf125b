"""Networks of hosts for the tests that need more than one machine
(regress/proto/test_mx_hosts.py, regress/e2e/test_tutorial.py): network,
mount and UTS namespaces held by `sleep` processes the test starts, a
hub namespace with a bridge the hosts are joined to by veth pairs, and a
dnsmasq in the hub serving the test's records.  Nothing outside the
namespaces is touched, and every process is stopped by its PID
(procs.stop_child)."""

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "proto"))
from procs import stop_child  # noqa: E402

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def why_not():
    """None when namespaces and dnsmasq can be used here, else why not."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            return "no %s" % tool
    p = subprocess.run(["unshare", "--net", "--mount", "--uts", "true"],
                       capture_output=True)
    if p.returncode != 0:
        return "cannot create namespaces: %s" % p.stderr.decode().strip()
    if not os.access(DNSMASQ, os.X_OK):
        return "no dnsmasq (make deps installs it)"
    return None


def run(argv, **kw):
    """argv must succeed (30 s unless told); its CompletedProcess."""
    kw.setdefault("timeout", 30)
    p = subprocess.run(argv, capture_output=True, **kw)
    assert p.returncode == 0, (argv, p.stdout, p.stderr)
    return p


def wait_for(what, pred, timeout):
    """pred()'s first true value within timeout seconds."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out after %ds waiting for %s"
                                 % (timeout, what))
        time.sleep(0.1)


def holder(flags):
    """A `sleep` in new namespaces (unshare FLAGS); returns it once the
    namespaces are there.  Stopping it (stop_child) ends them once nothing
    else runs inside."""
    p = subprocess.Popen(["unshare"] + flags + ["sleep", "3600"])
    ours = os.readlink("/proc/self/ns/net")
    for _ in range(500):
        try:
            if os.readlink("/proc/%d/ns/net" % p.pid) != ours and \
                    open("/proc/%d/comm" % p.pid).read().strip() == "sleep":
                return p
        except OSError:
            pass
        time.sleep(0.01)
    p.kill()
    raise AssertionError("unshare %s did not start" % flags)


class Hub:
    """A network namespace with bridge br0 holding `addrs` ("a.b.c.d/n")
    and a dnsmasq on the first of them answering for `local` domains
    from `records` (dnsmasq options such as --host-record=...)."""

    def __init__(self, root, addrs, local, records):
        self.ns = holder(["--net"])
        self.dnsmasq = None
        self.log = None
        self.dns_ip = addrs[0].split("/")[0]
        run(self.enter(["sh", "-ec", "ip link set lo up\n"
                        "ip link add br0 type bridge\n" +
                        "".join("ip addr add %s dev br0\n" % a
                                for a in addrs) +
                        "ip link set br0 up\n"]))
        argv = [DNSMASQ, "--no-daemon", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--pid-file=", "--user=root",
                "--listen-address=" + self.dns_ip, "--bind-interfaces",
                "--log-queries", "--log-facility=-"]
        argv += ["--local=/%s/" % d for d in local] + list(records)
        self.log = open(os.path.join(root, "dnsmasq.log"), "wb")
        self.dnsmasq = subprocess.Popen(self.enter(argv), stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def enter(self, argv):
        return ["nsenter", "-t", str(self.ns.pid), "-n", "--"] + argv

    def attach(self, ns_pid, name):
        """Joins the network namespace of ns_pid to br0 by a veth pair:
        v-NAME here, eth0 (down, no address) there."""
        veth = "v-" + name
        run(self.enter(["ip", "link", "add", veth, "type", "veth", "peer",
                        "name", "eth0", "netns", str(ns_pid)]))
        run(self.enter(["ip", "link", "set", veth, "master", "br0", "up"]))

    def close(self):
        stop_child(self.dnsmasq)
        stop_child(self.ns)
        if self.log:
            self.log.close()


class Syslog(threading.Thread):
    """The hosts' /dev/log: datagram sockets the test binds; mail
    facility lines are appended to each host's R/var/log/maillog as
    "Mon dd hh:mm:ss host ident[pid]: text"."""

    def __init__(self):
        super().__init__(daemon=True)
        self.socks = {}         # socket -> (maillog path, short host name)
        self.r, self.w = os.pipe()

    def add(self, path, maillog, host):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        os.chmod(path, 0o666)
        self.socks[s] = (maillog, host)

    def run(self):
        while True:
            ready, _, _ = select.select(list(self.socks) + [self.r], [], [])
            if self.r in ready:
                return
            for s in ready:
                msg = s.recv(65536).decode("latin-1").rstrip("\n")
                m = re.match(r"<(\d+)>(.{15}) (.*)", msg, re.S)
                if not m or int(m.group(1)) >> 3 != 2:     # LOG_MAIL
                    continue
                path, host = self.socks[s]
                with open(path, "a") as f:
                    f.write("%s %s %s\n" % (m.group(2), host, m.group(3)))

    def stop(self):
        if self.is_alive():
            os.write(self.w, b"x")
            self.join(10)
        for s in self.socks:
            s.close()
        os.close(self.r)
        os.close(self.w)
