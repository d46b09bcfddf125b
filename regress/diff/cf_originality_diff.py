#!/usr/bin/env python3
"""Originality check of our cf/ m4 package against sendmail-cf 8.17.

The project rule is "reimplement, never copy".  This script reads every
line of cf/**/*.m4 and cf/**/*.mc, strips it, and for each one of at least
20 characters looks for the same stripped line anywhere in the real
sendmail-cf tree (fetched by regress/oracle.sh, under
<oracle root>/usr/share/sendmail/cf).  A line found there is either

  allowed -- an interface fact that has to be spelled the same way:
    define    a single define(`NAME', `value') / undefine(`NAME') of a public
              name documented in /work/shared/reference/cf-m4.md (conf*
              options, ALIAS_FILE, LOCAL_MAILER_FLAGS ...), with a plain value
              (no m4 code such as $1 or divert() in it): option names and
              their default values are facts;
    cfline    a line of cf output the generated cf must hold byte for byte
              to be equivalent: K (map declarations with their flags), O, H,
              P, C, F, D, E lines, M lines and their field-list
              continuations (A=..., U=..., T=...), with no m4 logic in them;
    public    an invocation of a documented user-facing macro (FEATURE,
              MAILER, MODIFY_MAILER_FLAGS, DAEMON_OPTIONS, EXPOSED_USER ...);
    separator a line of nothing but comment punctuation ("#####...");

  or a violation -- everything else: rewrite rules (R lines), m4 logic,
  internal helper macros (_DEFIFNOT, _OPTINS ... are sendmail-cf's own
  internals, not interface), comments and headings.

Prints  PASS diff cf-originality: 0 copied lines (...)  or  FAIL ... with
one line per violation (file:line: text).  SKIP when the oracle tree is not
there.  VERBOSE=1 also lists the allowed lines with their class.

Lines are compared with white space normalised: a line whose text equals
a sendmail-cf line once all spaces and tabs are removed (the same rule or
comment re-spaced, e.g. tabs turned into spaces or "$:<?>" into "$: <?>")
is a copy too, and is judged by the same classes as an exact match.

PENDING lists files still being rewritten: their re-spaced copies do not
fail the check but are counted, per file, in the PASS/FAIL line ("N
re-spaced lines still to rewrite in ...") so they stay visible.  Exact
copies fail everywhere.  WS=1 lists the pending lines.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OURS = os.path.join(REPO, "cf")
REFERENCE_DOC = "/work/shared/reference/cf-m4.md"
MIN_LEN = 20

# files whose re-spaced copies are still being rewritten (relative to the
# repository); empty once every rule in cf/ is our own formulation
PENDING = set()

# sendmail-cf's internal helpers: documented in cf-m4.md (user files may
# call them, so we keep aliases) but their definitions and uses in the
# package are implementation, not interface
INTERNAL = {"_DEFIFNOT", "_OPTINS", "CONCAT", "DOL", "lower", "strcasecmp",
            "_ADDCHAR_", "_DELCHAR_", "_AP_", "_MODMF_", "PUSHDIVERT",
            "POPDIVERT"}

M4_LOGIC = re.compile(
    r"\b(ifdef|ifelse|define|undefine|pushdef|popdef|include|sinclude|"
    r"divert|undivert|translit|substr|index|len|eval|m4wrap|errprint|"
    r"esyscmd|syscmd|shift|defn|dnl\S)\b|`|\b_[A-Za-z]\w*\s*\(|"
    r"\b(%s)\b" % "|".join(map(re.escape, sorted(INTERNAL))))


def find_oracle_cf():
    cand = [os.environ.get("ORACLE_CF", ""),
            os.path.join(REPO, "regress/.cache/oracle/root/usr/share/sendmail/cf")]
    for c in cand:
        if c and os.path.isdir(os.path.join(c, "m4")):
            return c
    try:
        sys.path.insert(0, HERE)
        from oracle_env import Skip, oracle_root
        try:
            root = oracle_root()
        except Skip:
            return None
        c = os.path.join(root, "usr/share/sendmail/cf")
        return c if os.path.isdir(c) else None
    except ImportError:
        return None


def squeeze(line):
    """The line with white space normalised away (spaces and tabs carry no
    meaning between sendmail tokens, so a re-spaced rule is the same rule)."""
    return re.sub(r"\s+", "", line)


def reference_lines(top):
    seen = set()
    for dp, _, files in os.walk(top):
        for f in files:
            p = os.path.join(dp, f)
            try:
                with open(p, encoding="latin-1") as fh:
                    for line in fh:
                        seen.add(line.strip())
            except OSError:
                pass
    return seen


def public_names():
    """Identifiers the interface document names (macros, options, files)."""
    try:
        with open(REFERENCE_DOC, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return set()
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return names - INTERNAL


def strip_dnl(s):
    return re.sub(r"\s*dnl\s*$", "", s)


def classify(s, public):
    """'define', 'cfline', 'public', 'separator' or None (a violation)."""
    body = strip_dnl(s)
    if re.fullmatch(r"(dnl\s*)?[#=*\-_/\s]*", s):
        return "separator"
    m = re.fullmatch(r"define\(`([A-Za-z_]\w*)',\s*`(`?[^`']*'?)'\)", body)
    if m:
        name, value = m.groups()
        plain = not re.search(r"\$[0-9#@*]|\w\(", value)
        if (name in public and not name.startswith("_") and plain):
            return "define"
        return None
    m = re.fullmatch(r"undefine\(`([A-Za-z_]\w*)'\)", body)
    if m:
        return "define" if m.group(1) in public and \
            not m.group(1).startswith("_") else None
    m = re.fullmatch(r"([A-Z][A-Z0-9_]*)\((.*)\)", body)
    if m and m.group(1) in public and m.group(1) not in INTERNAL:
        # the arguments may quote values but must not hold m4 logic
        if not re.search(r"\b(ifdef|ifelse|define|divert)\(", m.group(2)):
            return "public"
        return None
    if M4_LOGIC.search(re.sub(r"`[A-Za-z]\w*'", "", body)) and \
            not re.fullmatch(r"[KOHPCFDE].*", body):
        return None
    if body.startswith("R") or body.startswith("S"):
        return None
    # cf output lines: K O H P C F D E, M lines and field-list continuations
    if re.match(r"(K\w+\s|O\s\w+|H\?|H\w|P[\w-]+=|C(\{\w+\}|\w)|F(\{\w+\}|\w)"
                r"|D(\{\w+\}|\w)|E\w+=|M[\w-]+,)", body):
        if M4_LOGIC.search(re.sub(r"`[A-Za-z]\w*'", "", body)):
            return None
        return "cfline"
    if re.fullmatch(r"([A-Z]=[^,]*,\s*)*[A-Z]=[^,]*,?(')?\)?", body):
        return "cfline"
    return None


def main():
    ref_top = find_oracle_cf()
    if not ref_top:
        print("SKIP diff cf-originality: no sendmail-cf oracle tree")
        return 77
    ref = reference_lines(ref_top)
    ref_ws = set(squeeze(x) for x in ref)
    public = public_names()
    counts = {"define": 0, "cfline": 0, "public": 0, "separator": 0}
    bad = []
    allowed = []
    pending = {}
    respaced = 0
    for dp, dirs, files in os.walk(OURS):
        dirs.sort()
        for f in sorted(files):
            if not (f.endswith(".m4") or f.endswith(".mc")):
                continue
            p = os.path.join(dp, f)
            rel = os.path.relpath(p, REPO)
            with open(p, encoding="latin-1") as fh:
                for n, line in enumerate(fh, 1):
                    s = line.strip()
                    if len(s) < MIN_LEN:
                        continue
                    where = "%s:%d: %s" % (rel, n, s)
                    exact = s in ref
                    if not exact and squeeze(s) not in ref_ws:
                        continue
                    what = classify(s, public)
                    if what:
                        counts[what] += 1
                        allowed.append("%-9s %s" % (what, where))
                    elif not exact and rel in PENDING:
                        pending.setdefault(rel, []).append(where)
                    else:
                        if not exact:
                            respaced += 1
                        bad.append(where)
    summary = ", ".join("%d %s" % (counts[k], k) for k in
                        ("define", "cfline", "public", "separator"))
    summary = "allowed facts: %s; compared with white space normalised" \
        % summary
    if pending:
        summary += "; %d re-spaced lines still to rewrite in %s" % (
            sum(len(v) for v in pending.values()),
            ", ".join("%s (%d)" % (k, len(v))
                      for k, v in sorted(pending.items())))
    if bad:
        print("FAIL diff cf-originality: %d copied lines (%d of them "
              "re-spaced) (%s)" % (len(bad), respaced, summary))
        for b in bad:
            print("  " + b)
    else:
        print("PASS diff cf-originality: 0 copied lines (%s)" % summary)
    if os.environ.get("WS"):
        for v in pending.values():
            for r in v:
                print("  respaced " + r)
    if os.environ.get("VERBOSE"):
        for a in allowed:
            print("  allowed " + a)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
