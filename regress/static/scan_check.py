#!/usr/bin/env python3
"""scan_check.py -- reads the plist reports of `scan-build -plist` and
fails on every finding that regress/static/scan-build.supp does not
suppress.

    python3 regress/static/scan_check.py REPORTDIR SUPPFILE

The clang analyzer has no inline suppression comment, so each false
positive is a line of SUPPFILE:

    file | checker | function | text of the message | reason

A finding is suppressed when its file, checker and enclosing function are
the same and its message contains the text; the reason may not be empty.
Line numbers are left out on purpose: other changes move them.  A
finding in a header analysed from several files counts once.  Prints
the findings left, one a line as a compiler would, then a count line;
exits 1 when any is left (or the supp file is malformed), else 0.
Entries that matched nothing are named (they can go), not failed.
"""
import os
import plistlib
import sys


def load_supp(path):
    entries = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 5 or not all(parts):
                sys.exit("%s:%d: want 'file | checker | function | "
                         "message text | reason'" % (path, no))
            entries.append({"file": parts[0], "checker": parts[1],
                            "function": parts[2], "text": parts[3],
                            "reason": parts[4], "line": no, "used": 0})
    return entries


def findings(reportdir, root):
    seen = {}
    for dirpath, _, names in os.walk(reportdir):
        for name in sorted(names):
            if not name.endswith(".plist"):
                continue
            with open(os.path.join(dirpath, name), "rb") as f:
                try:
                    pl = plistlib.load(f)
                except Exception as e:     # a torn report is a failure
                    sys.exit("%s: %s" % (name, e))
            files = pl.get("files", [])
            for d in pl.get("diagnostics", []):
                loc = d["location"]
                path = os.path.relpath(os.path.realpath(files[loc["file"]]),
                                       root)
                key = (path, loc["line"], loc["col"], d["check_name"],
                       d["description"])
                seen[key] = {"file": path, "line": loc["line"],
                             "col": loc["col"], "checker": d["check_name"],
                             "function": d.get("issue_context", ""),
                             "message": d["description"]}
    return sorted(seen.values(), key=lambda x: (x["file"], x["line"]))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reportdir, suppfile = sys.argv[1], sys.argv[2]
    root = os.path.realpath(os.getcwd())
    entries = load_supp(suppfile)
    found = findings(reportdir, root)
    left = []
    for x in found:
        for e in entries:
            if (e["file"] == x["file"] and e["checker"] == x["checker"] and
                    e["function"] == x["function"] and
                    e["text"] in x["message"]):
                e["used"] += 1
                break
        else:
            left.append(x)
    for x in left:
        print("%s:%d:%d: warning: %s [%s] in %s()" % (
            x["file"], x["line"], x["col"], x["message"], x["checker"],
            x["function"]))
    for e in entries:
        if not e["used"]:
            print("%s:%d: note: suppression matched nothing (remove it): "
                  "%s %s in %s()" % (suppfile, e["line"], e["file"],
                                     e["checker"], e["function"]))
    print("scan-build: %d findings, %d suppressed (%s), %d left" % (
        len(found), len(found) - len(left), suppfile, len(left)))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
