#!/usr/bin/env python3
"""Differential test of our cf/ m4 package against sendmail-cf 8.17.

Each regress/diff/cf/<name>.mc is compiled twice with GNU m4: with the
real sendmail-cf tree (fetched by regress/oracle.sh) and with ours (cf/).
Both cfs get their host paths rewritten into a temporary tree holding test
maps (oracle_env.make_tree plus the extra entries below), and the same
input -- regress/diff/cf/<name>.in, when there is one, followed by
regress/diff/cf/common.in -- is fed to the REAL sendmail 8.17 in -bt mode
with each cf, inside unshare (host name vm.example.test).

Compared (our rulesets are our own, so traces differ by design):
  * m4 exit status and whether m4 wrote warnings;
  * the non-rule lines O/D/C/F/K/M/H/P/Q/X/T/V as sets (M lines joined
    with their continuation lines, fields compared as a set and F= flags
    as a set of letters);
  * per input line, the answer: the final "returns:" line of the
    top-level ruleset(s), "mailer ..., host ..., user ..." lines of
    /parse, and /try results.  A check_* answer that is not a "$#"
    decision is shown as "accept" (the binary only acts on "$#").

SHOW=1 also prints every input line with the oracle's answer.

Prints one line per .mc:  PASS|FAIL|SKIP diff cf-<mc>: matched/total
Exit status: 0 all passed, 1 something failed, 77 everything skipped.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

from oracle_env import (ACCESS, MAILERTABLE, REPO, VIRTUSERTABLE, Skip, make_tmp, make_tree, makemap,
                        oracle_binary,
                        oracle_env, oracle_world, rewrite_paths, run_ns,
                        set_switch, write)

HERE = os.path.dirname(os.path.abspath(__file__))
MC_DIR = os.path.join(HERE, "cf")
OURS = os.path.join(REPO, "cf")
SHARED = ["centos7-rhel7-sendmail.mc", "centos7-rhel7-submit.mc"]
INCLUDE_PATHS = ("/usr/share/sendmail-cf/m4/cf.m4",
                 "/usr/share/sendmail/cf/m4/cf.m4")


# access entries for the tags the shared oracle_env map has none of, so
# greet_pause, ratecontrol, conncontrol, the TLS and feature rulesets,
# authinfo, compat_check, queuegroup and delay_checks' Spam: lookups
# reach their map-driven answers
EXTRA_ACCESS = """\
GreetPause:192.0.2.9\t0
GreetPause:client.example\t2000
GreetPause:10.1\t3000
GreetPause:\t1500
ClientRate:192.0.2.9\t2
ClientRate:10.1.99.99\t0
ClientRate:\t20
ClientConn:192.0.2.9\t3
ClientConn:\t50
Srv_Features:192.0.2.9\tV
Srv_Features:\tS
Clt_Features:remote.example\tM
Clt_Features:\tD
Try_TLS:remote.example\tNO
Try_TLS:192.0.2.30\tNO
TLS_Srv:secure.example\tENCR:128
TLS_Srv:192.0.2.31\tVERIFY
TLS_Clt:client.example\tVERIFY
TLS_Clt:10.1\tPERM+VERIFY:112
TLS_Rcpt:remote.example\tVERIFY:112
TLS_Rcpt:joe@secure.example\tENCR:256
AuthInfo:remote.example\t"U:joe" "P:secret" "M:PLAIN"
AuthInfo:\t"U:dflt" "P:x"
Compat:joe@example.test<@>bob@remote.example\tDISCARD
Compat:spammer@bad.example<@>joe@example.test\tERROR:550 no thanks
Compat:tmp@example.test<@>joe@remote.example\tTEMP:451 later
QGRP:remote.example\tslow
QGRP:joe@example.test\tfast
XConnect:192.0.2.9\tyes
Spam:abuse@example.test\tFRIEND
Spam:friend.example\tHATER
Spam:joe@example.test\tFRIEND
To:joe@relayfull.example\tRELAY
From:relayfrom.example\tRELAY
From:boss@partner.example\tRELAY
Connect:rdns.example\tOK
.dotdom.example\tREJECT
From:quarantine.example\tQUARANTINE:held for review
bcc:copy.example\tyes
bcc:lab.example\tyes
rhs:friend.example\tOK
rhs:joe@listed.example\tRELAY
TLS_Clt_Features:mx.secure.example\tflags=d;
TLS_Clt_Features:mx.sni.example\tcipherlist=HIGH
TLS_Srv_Features:client.example\tV
To:poison@example.test\tPOISON
XConnect:other.example\tno
dnsblaccess:\tREJECT
Connect:198.18\tREJECT
Connect:198.18.5\tSKIP
skipdom.example\tREJECT
sub.skipdom.example\tSKIP
To:skipme@example.test\tSKIP
Connect:odd.example\tWHATEVER
To:odd.example\tSOMETHING
"""

GENERICS = """\
joe\tjoe.user@example.test
bob@example.test\tbob.q@remote.example
@sub.example.test\tcatch@example.test
"""

DOMAINTABLE = """\
old.example\tnew.example
example.old\texample.test
"""

AUTHINFO = """\
AuthInfo:remote.example\t"U:joe" "P:secret"
AuthInfo:192.0.2.50\t"U:byaddr" "P:secret" "M:PLAIN"
AuthInfo:\t"U:any" "P:any"
"""

# bcctable keys are recipient domains (".parent" for subdomains), and
# with FEATURE(bcc)'s canonicalRcpt map (the same file here) addresses
BCCTABLE = """\
joe@example.test\tarchive@example.test
copy.example\tyes
.dotcopy.example\tyes
lab.example\tyes
copies@archive.example.test\tkept@archive.example.test
"""

# MTA-STS policies as a policy daemon gives them (the sts cases use a hash
# map instead of the daemon's socket)
STSTABLE = """\
secure.example\tsecure; match=mx.secure.example:.mxs.secure.example; servername=hostname
nomatch.example\tsecure
dotted.example\tsecure match=mx.dotted.example.:.dotted.example. servername=hostname
sni.example\tsecure; servername=hostname; match=mx.sni.example
plain.example\tnone
testing.example\ttesting; match=mx.testing.example
"""

# LDAP routing answers (the ldap_routing cases use hash maps in place of
# the LDAP server): mailHost and mailRoutingAddress by user@domain
LDAPMH = """\
joe@ldap.example\tmx.elsewhere.example
bob@ldap.example\tvm.example.test
dave@ldap.example\tmt.example
eve@ldap.example\tsub.mt.example
frank@ldap.example\tunlisted.example
gina@ldap.example\tlocalhost
@catch.example\thub.example
"""

LDAPMRA = """\
carol@ldap.example\tcarol@new.example
dave@ldap.example\tdave@new.example
eve@ldap.example\teve@other.example
gina@ldap.example\tgina
@catch.example\tcatchall@new.example
"""

# addresses FEATURE(drac) lets relay (POP/IMAP before SMTP)
DRAC = """\
192.0.2.77\t1700000000
2001:db8::7\t1700000000
"""

# FEATURE(domainmap) user maps of two domains
DOMAINMAP1 = """\
jsmith\tjohnsmith@mailbox.example
jdoe\tjanedoe@sandbox.example
local\tjoe
"""

DOMAINMAP2 = """\
ann\tann@remote.example
"""

# mailertable and virtusertable values of every "error:" and "local:" shape
EXTRA_MAILERTABLE = """\
err2.example\terror:nouser:550 gone
err3.example\terror:plain text here
err4.example\terror:"421":Try later
loc2.example\tlocal:
loc3.example\tlocal:bob@elsewhere.example
loc4.example\tlocal:carol
"""

EXTRA_VIRTUSERTABLE = """\
gone@example.test\terror:5.1.1:550 gone away
nouser2@example.test\terror:nouser No such user
oops@example.test\terror:oops
"""

# host names the rhsbl features find listed: the host map (hosts: files)
# answers for them, so a listing is seen without a name server; and the
# LDAP routing domains, which must be canonical (end in a dot) to be routed
EXTRA_HOSTS = """\
192.0.2.251\tlisted.example
127.0.0.2\tlisted.example.rhs.example
127.0.0.2\tfriend.example.rhs.example
127.0.0.2\tfriend.example.rhs2.example
192.0.2.40\tldap.example
192.0.2.41\tcatch.example
192.0.2.42\tequiv.example
192.0.2.43\ttwo.map.example
"""

EXTRA_MAPS = (("access", ACCESS + EXTRA_ACCESS),
              ("mailertable", MAILERTABLE + EXTRA_MAILERTABLE),
              ("virtusertable", VIRTUSERTABLE + EXTRA_VIRTUSERTABLE),
               ("genericstable", GENERICS),
               ("domaintable", DOMAINTABLE),
               ("authinfo", AUTHINFO),
               ("bcctable", BCCTABLE),
               ("sts", STSTABLE),
               ("ldapmh", LDAPMH),
               ("ldapmra", LDAPMRA),
               ("domainmap1", DOMAINMAP1),
               ("domainmap2", DOMAINMAP2),
               ("drac", DRAC))


def compile_mc(src, cfdir, tmp, name):
    src = re.sub(r"(?<=`)(%s)(?=')" % "|".join(map(re.escape, INCLUDE_PATHS)),
                 os.path.join(cfdir, "m4/cf.m4"), src)
    mc = os.path.join(tmp, name + ".mc")
    write(mc, src)
    args = ["m4", "-D_NO_MAKEINFO_", "-D_CF_DIR_=%s/" % cfdir]
    if "m4/cf.m4" not in src:
        args.append(os.path.join(cfdir, "m4/cf.m4"))
    args.append(mc)
    p = subprocess.run(args, capture_output=True, text=True, timeout=60,
                       cwd=tmp)
    return p.returncode, p.stdout, p.stderr


def cf_lines(cf):
    """The non-rule lines of a cf, normalised, as a set."""
    out = set()
    cur = None
    for line in cf.split("\n"):
        if line.startswith("\t") and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None:
            out.add(norm_mailer(cur))
            cur = None
        if line.startswith("M"):
            cur = line
        elif line[:1] in "ODCFKHPQXTV" and line[:1]:
            if line.startswith("HReceived"):
                continue
            out.add(re.sub(r"\s+", " ", line.strip()))
    if cur is not None:
        out.add(norm_mailer(cur))
    return out


def norm_mailer(line):
    name, _, rest = line.partition(",")
    fields = set()
    for f in re.split(r",\s*", rest.strip().rstrip(",")):
        f = f.strip()
        if f.startswith("F="):
            f = "F=" + "".join(sorted(set(f[2:])))
        if f:
            fields.add(re.sub(r"\s+", " ", f))
    return name + " " + " ".join(sorted(fields))


def blocks_of(out):
    """Split a -bt transcript into one block per input line.

    sendmail prints "> " before it reads each line; a line that prints
    nothing (.D, blank, comment) leaves its prompt on the same output line
    as the next one ("> > check_mail ...").  Block 0 is the banner; the
    last block is the prompt that met end of input."""
    blocks = [[]]
    for line in out.split("\n"):
        while line.startswith("> ") or line == ">":
            blocks.append([])
            line = line[2:]
        if line:
            blocks[-1].append(line)
    return blocks[1:]


def answer(lines):
    """What the top-level ruleset(s) of one input line decided."""
    rets = [l for l in lines if "returns:" in l]
    parse = [l.strip() for l in lines if l.strip().startswith("mailer ")]
    status = [re.sub(r"^== Ruleset \S+ \(\d+\) ", "", l.strip())
              for l in lines if l.startswith("== Ruleset")]
    if parse:
        res = " | ".join(parse)
    elif rets:
        res = re.sub(r"^\S+\s+returns:\s*", "", rets[-1]).strip()
    else:
        res = " / ".join(l.strip() for l in lines if l.strip())[:300]
    return res, (status[-1] if status else "")


def answers(out, inp):
    """One (answer, status) per input line."""
    return [answer(b) for b in blocks_of(out)]


# -bt cannot type the "$|" token two-argument rulesets (check_relay,
# greet_pause, check_compat, ...) split on: a typed "$|" is read as macro
# "|".  Both cfs get this ruleset appended, so an input line
#     Pair,greet_pause client.example <|> 192.0.2.9
# hands greet_pause the two words joined by a real "$|".
PAIR_RULESET = """
SPair
R$* <|> $*\t\t$@ $1 $| $2
"""

# answers known to differ, by .mc and input line, with the reason; a .mc
# whose only differences are these reports XFAIL (make check stays green,
# the difference stays visible), and XPASS once they are fixed
KNOWN = {
}

# rulesets whose callers only look for a "$#" triple; what else they leave
# in the workspace is private to each implementation
DECISION_ONLY = ("checkrcpt", "checkmail", "checkrelay", "BadMX",
                 "tls_client", "tls_server", "tls_rcpt", "TLS_connection",
                 "srv_features", "clt_features", "try_tls", "authinfo",
                 "queuegroup", "x_connect", "trust_auth", "RateControl",
                 "ConnControl")


def decide(inline, ans):
    """check_* answers that are not $# decisions mean "accept" (or, when
    a map lookup failed, the ruleset's temporary-failure status)."""
    res, status = ans
    w = inline.split()
    if w and w[0].startswith("Pair,"):
        w[0] = w[0][5:]
    if w and (w[0].startswith("check_") or w[0] in DECISION_ONLY):
        if not res.startswith("$#"):
            return status or "accept"
    return res + ((" [" + status + "]") if status else "")


def run_bt(prefix, root, tmp, cf, inp):
    with open(inp, "rb") as f:
        o, e, r = run_ns(prefix, tmp, [oracle_binary(root), "-bt", "-C", cf],
                         oracle_env(root), stdin=f)
    return o.decode("latin-1"), e.decode("latin-1"), r


def mc_list():
    mcs = []
    for n in SHARED:
        mcs.append(("cf-" + n[:-3], os.path.join("/work/shared/examples/mc", n)))
    for p in sorted(glob.glob(os.path.join(MC_DIR, "*.mc"))):
        mcs.append(("cf-" + os.path.basename(p)[:-3], p))
    return mcs


def case_input(name):
    """The -bt lines for case name ("cf-<mc>"): its own .in, then
    common.in (also cf_load_diff.py's)."""
    text = open(os.path.join(MC_DIR, "common.in")).read()
    extra = os.path.join(MC_DIR, name[3:] + ".in")
    if os.path.exists(extra):
        # per-.mc lines come first: common.in ends with macros set and
        # odd lines a .mc's own checks should not inherit
        text = open(extra).read().rstrip("\n") + "\n" + text
    return text


def one(name, path, root, prefix, tmp):
    with open(path) as f:
        src = f.read()
    oracle_cf = os.path.join(root, "usr/share/sendmail/cf")
    ro, co, eo = compile_mc(src, oracle_cf, tmp, name + ".o")
    rs, cs, es = compile_mc(src, OURS, tmp, name + ".s")
    total = 2
    good = (ro == rs) + (bool(eo.strip()) == bool(es.strip()))
    notes = []
    if ro != rs:
        notes.append("m4 exit %d (oracle) vs %d (ours): %s" % (ro, rs, es.strip()[:200]))
    if bool(eo.strip()) != bool(es.strip()):
        notes.append("warnings: oracle %r ours %r" % (eo.strip()[:120], es.strip()[:120]))
    lo, ls = cf_lines(co), cf_lines(cs)
    total += 1
    if lo == ls:
        good += 1
    else:
        for x in sorted(lo - ls)[:8]:
            notes.append("only oracle: %s" % x)
        for x in sorted(ls - lo)[:8]:
            notes.append("only ours:   %s" % x)
    cfs = []
    for tag, text in (("o", co), ("s", cs)):
        t = rewrite_paths(text, tmp) + PAIR_RULESET
        t = set_switch(t, os.path.join(tmp, "etc/mail/service.switch"))
        p = os.path.join(tmp, "%s.%s.cf" % (name, tag))
        write(p, t)
        cfs.append(p)
    text = case_input(name)
    inp = os.path.join(tmp, name + ".in")
    write(inp, text)
    inlines = text.split("\n")
    oo, oe, orc = run_bt(prefix, root, tmp, cfs[0], inp)
    so, se, src_ = run_bt(prefix, root, tmp, cfs[1], inp)
    if "fileclass" not in oe and se.strip() and not oe.strip():
        notes.append("sendmail complained about our cf: %s" % se.strip()[:300])
    ao, as_ = answers(oo, inp), answers(so, inp)
    xfail, xpass = set(), set()
    for i in range(max(len(ao), len(as_))):
        line = inlines[i] if i < len(inlines) else "(end of input)"
        a = decide(line, ao[i]) if i < len(ao) else "(none)"
        b = decide(line, as_[i]) if i < len(as_) else "(none)"
        if a == b == "":
            continue        # .D, blank and comment lines answer nothing
        if os.environ.get("SHOW"):
            print("  %-40s -> %s" % (line[:40], a[:110]))
        total += 1
        known = KNOWN.get(name[3:], {})
        if a == b:
            good += 1
            if line in known:
                xpass.add(line)
        elif line in known:
            xfail.add(line)
            if len(notes) < 30:
                notes.append("known (%s): %r: oracle %r ours %r"
                             % (known[line], line, a, b))
        elif len(notes) < 30:
            notes.append("input %r: oracle %r ours %r" % (line, a, b))
    ok = good == total
    bad = total - good
    unexplained = bad - sum(1 for n in notes if n.startswith("known ("))
    if ok:
        verdict = "XPASS" if known and not xfail else "PASS"
    elif unexplained == 0:
        verdict = "XFAIL"
    else:
        verdict = "FAIL"
    print("%s diff %s: %d/%d" % (verdict, name, good, total))
    for n in notes:
        print("  " + n)
    return ok or verdict == "XFAIL"


def make_cf_tree(root, tmp):
    """oracle_env's tree plus the hosts and maps the .mc cases use (also
    cf_load_diff.py's)."""
    make_tree(root, tmp)
    with open(os.path.join(tmp, "hosts"), "a") as f:
        f.write(EXTRA_HOSTS)
    for mapname, text in EXTRA_MAPS:
        makemap(root, tmp, "hash", mapname, text)
    write(os.path.join(tmp, "etc/mail/service.switch"),
          "hosts\tfiles\naliases\tfiles\n")


def main():
    names = sys.argv[1:]
    try:
        root, prefix = oracle_world()
    except Skip as e:
        print("SKIP diff cf: %s" % e)
        return 77
    tmp = make_tmp("cf_diff.")
    results = []
    try:
        make_cf_tree(root, tmp)
        for name, path in mc_list():
            if names and name not in names and name[3:] not in names:
                continue
            try:
                results.append(one(name, path, root, prefix, tmp))
            except (OSError, RuntimeError) as e:
                print("FAIL diff %s: %s" % (name, e))
                results.append(False)
    finally:
        if os.environ.get("KEEP"):
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
