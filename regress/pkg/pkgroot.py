"""What the package tests share (test_pkg.py, test_boot.py): the .deb
built from the tree, and copies of the cached Debian root
(regress/pkg/mkroot.sh) with ways to run commands in them."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(REPO, "regress", ".cache", "pkg")
HOST = "mx.example.test"


def version():
    with open(os.path.join(REPO, "src/cf/version.h")) as f:
        return re.search(r'MAILSYS_VERSION\s+"([^"]+)"', f.read()).group(1)


def make(target):
    r = subprocess.run(["make", "-s", "-C", REPO, target],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return r


def build_deb():
    """the .deb built by `make deb` (or a skip): its path.  PKG_DEB=FILE
    takes that .deb instead (to run the tests again without a build)."""
    if os.environ.get("PKG_DEB"):
        return os.path.abspath(os.environ["PKG_DEB"])
    if shutil.which("dpkg-buildpackage") is None or \
            shutil.which("dh") is None:
        pytest.skip("no dpkg-buildpackage or debhelper (make pkg-deps)")
    make("deb")
    path = os.path.join(REPO, "obj/pkg/deb",
                        "mailsys_%s_amd64.deb" % version())
    if not os.path.exists(path):
        cands = [f for f in os.listdir(os.path.join(REPO, "obj/pkg/deb"))
                 if re.match(r"mailsys_.*\.deb$", f)]
        assert len(cands) == 1, cands
        path = os.path.join(REPO, "obj/pkg/deb", cands[0])
    return path


def snapshot(root):
    """every path under root, but dpkg's and apt's own bookkeeping"""
    skip = ("/proc", "/run", "/var/lib/dpkg", "/var/lib/rpm", "/var/cache",
            "/var/log", "/tmp",
            "/var/lib/systemd/deb-systemd-helper-masked")
    seen = set()
    for d, dirs, files in os.walk(root):
        rel = d[len(root):] or "/"
        if rel.startswith(skip):
            dirs[:] = []
            continue
        for n in dirs + files:
            seen.add(os.path.join(rel, n))
    return seen


class Root:
    """a copy of the cached bookworm root and how to run in it"""

    def __init__(self, base):
        os.makedirs(CACHE, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="root-", dir=CACHE)
        r = subprocess.run(["cp", "-a", base + "/.", self.path])
        assert r.returncode == 0
        # no daemons started from the maintainer scripts
        rc = os.path.join(self.path, "usr/sbin/policy-rc.d")
        with open(rc, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(rc, 0o755)
        with open(os.path.join(self.path, "etc/hosts"), "w") as f:
            f.write("127.0.0.1\tlocalhost\n127.0.1.1\t%s mx\n" % HOST)
        with open(os.path.join(self.path, "etc/resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\n")

    def run(self, script, user=None, stdin=None, timeout=120):
        """script run by /bin/sh in the chroot (as user, through su)"""
        with open(os.path.join(self.path, "tmp/step.sh"), "w") as f:
            f.write(script)
        inner = "/bin/sh /tmp/step.sh"
        if user is not None:
            inner = "su -s /bin/sh %s -c '/bin/sh /tmp/step.sh'" % user
        outer = ("hostname %s && ip link set lo up && "
                 "mount -t proc proc '%s/proc' && exec chroot '%s' %s"
                 % (HOST, self.path, self.path, inner))
        return subprocess.run(
            ["unshare", "--mount", "--uts", "--net", "--fork",
             "sh", "-c", outer], input=stdin, capture_output=True,
            text=True, timeout=timeout,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})

    def run_outside(self, argv, timeout=120):
        """argv run on the host in new namespaces, /proc mounted in the
        root (rpm --root chroots there for its scriptlets itself)"""
        outer = ("hostname %s && ip link set lo up && "
                 "mount -t proc proc '%s/proc' && exec \"$@\""
                 % (HOST, self.path))
        return subprocess.run(
            ["unshare", "--mount", "--uts", "--net", "--fork",
             "sh", "-c", outer, "sh"] + argv, capture_output=True,
            text=True, timeout=timeout,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})

    def p(self, path):
        return os.path.join(self.path, path.lstrip("/"))

    def ids(self, db):
        """{name: id} from the root's /etc/passwd or /etc/group"""
        out = {}
        with open(self.p("/etc/" + db)) as f:
            for line in f:
                f_ = line.split(":")
                out[f_[0]] = int(f_[2])
        return out


def new_root():
    """a fresh copy of the cached bookworm root, or a skip"""
    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, unshare)")
    for tool in ("debootstrap", "unshare", "chroot", "ip"):
        if shutil.which(tool) is None:
            pytest.skip("no %s" % tool)
    r = subprocess.run(["sh", os.path.join(HERE, "mkroot.sh")],
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        pytest.skip("no Debian root: " + r.stderr[-500:])
    rt = Root(r.stdout.strip())
    rt.before = snapshot(rt.path)
    return rt
