"""Helpers for the map tests that start real servers: where our binary
is, a folder for cf files that sendmail's safety checks accept, and a
`-bt /map` runner."""

import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def sendmail():
    d = os.environ.get("BIN") or os.path.join(REPO, "bin")
    return os.path.join(d, "sendmail")


def workdir(prefix):
    """A fresh folder under regress/.cache/tmp (not below /tmp, whose
    world-writable bit sendmail's file checks refuse)."""
    base = os.path.join(REPO, "regress", ".cache", "tmp")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def env():
    e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
         "LC_ALL": "C", "TZ": "UTC"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    return e


MAPLINE = re.compile(r"^(?:> )*(map_lookup: .*|Map named .*)$")
RESULT = re.compile(r"(returns .* \(\d+\)|no match \(\d+\))$")
HEAD = re.compile(r"^(map_lookup: \S+ \(.*?\) )")


def bt(cf_path, lines, timeout=60):
    """Runs `sendmail -bt -C cf` with the given input lines; returns
    (the whole stdout, the `map_lookup:`/`Map named` results).  A note
    the map prints between `map_lookup: m (key) ` and its result (as
    sendmail's syserr does) is left out of the result."""
    p = subprocess.run([sendmail(), "-bt", "-C", cf_path],
                       input="\n".join(lines) + "\n", capture_output=True,
                       text=True, env=env(), timeout=timeout)
    assert "AddressSanitizer" not in p.stderr, p.stderr
    assert "runtime error" not in p.stderr, p.stderr
    found = []
    pending = None
    for line in p.stdout.split("\n"):
        if pending is not None:
            m = RESULT.search(line)
            if m:
                found.append(pending + m.group(1))
                pending = None
            continue
        m = MAPLINE.match(line)
        if not m:
            continue
        text = m.group(1)
        if text.startswith("map_lookup:") and not RESULT.search(text):
            pending = HEAD.match(text).group(1)
            continue
        if text.startswith("map_lookup:"):
            r = RESULT.search(text)
            text = HEAD.match(text).group(1) + r.group(1)
        found.append(text)
    return p.stdout, found


def write_cf(folder, body):
    path = os.path.join(folder, "test.cf")
    with open(path, "w") as f:
        f.write("V10/Berkeley\n" + body)
    return path
