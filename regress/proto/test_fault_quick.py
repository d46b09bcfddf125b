"""The quick parts of the fault harnesses in regress/fault/ (issue 10),
as `make check` runs them; `make check-faults` runs the full versions.

  * the crash ledger, 3 cycles with mbox and 2 with Maildir: no
    acknowledged message lost, nothing not acknowledged delivered,
    nothing set aside as Qf, the queue runs empty
  * the durability order under strace for 200 messages: every 250
    after fsync of df and tf, the rename to qf and the folder fsync
  * disk full before MAIL (452 4.4.5, sendmail's MinFreeBlocks check),
    during DATA (421 4.3.1 and the session closed), no inode left and a
    read-only queue: no 250, no partial file, a 250 once it is over
  * privileges under load with RunAsUser, and with privilege
    separation in the default set-up: no process but the master holds
    a TCP connection while root
  * EIO from fsync, write and rename in the queue (eio.py's LD_PRELOAD
    shim): no 250, sendmail's dferror() 421 for the df, no partial
    file, a 250 once the fault is gone
"""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAULT = os.path.join(os.path.dirname(HERE), "fault")
sys.path.insert(0, FAULT)

import world  # noqa: E402

pytestmark = pytest.mark.skipif(not os.access(world.SENDMAIL, os.X_OK),
                                reason="no %s" % world.SENDMAIL)


@pytest.mark.parametrize("store,cycles", [("mbox", 3), ("maildir", 2)])
def test_ledger_no_acknowledged_message_lost(store, cycles):
    import ledger
    res = ledger.run(cycles=cycles, clients=20, store=store, relay=0.3,
                     seed=10 + cycles, period=(1.0, 2.0))
    summary = {k: res[k] for k in ("states", "lost", "lost_examples",
                                   "not_acked_but_delivered",
                                   "not_acked_examples", "Qf_files",
                                   "queue_left", "killer_errors",
                                   "duplicate_copies", "kills")}
    assert res["states"].get("ACKED", 0) > 50, summary
    assert res["lost"] == 0, summary
    assert res["not_acked_but_delivered"] == 0, summary
    assert res["Qf_files"] == [] and res["queue_left"] == [], summary
    assert res["ok"], summary


@pytest.mark.skipif(shutil.which("strace") is None, reason="no strace")
def test_every_250_follows_fsync_and_rename():
    import durability
    res = durability.run(messages=200, clients=4)
    t = res["replies_250_traced"]
    assert t == res["acked_by_clients"] == 200, res
    assert res["ok"] == {"synced": t, "renamed": t, "dirsync": t}, res


def test_disk_full_and_read_only_queue():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run([sys.executable, os.path.join(FAULT, "diskfull.py")],
                       capture_output=True, text=True, timeout=300)
    if p.stdout.startswith("SKIP"):
        pytest.skip(p.stdout.strip())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "PASS diskfull full: replies ['MAIL: 452 4.4.5" in p.stdout
    assert "PASS diskfull mid-data: replies ['DATA: 421 4.3.1" in p.stdout


def test_no_root_on_the_network_with_runasuser():
    if os.geteuid() != 0:
        pytest.skip("the daemon must start as root to give root up")
    import privs
    res = privs.run(seconds=4, clients=20, runas="daemon", log=lambda m: 0)
    assert sum(res["network_facing_root_samples"].values()) == 0, res
    assert res["ok"], res


def test_no_root_on_the_network_with_privilege_separation():
    """The default set-up (queue folder root's, no RunAsUser) with
    MAILSYS_PRIVSEP=1: workers and SMTP delivery children run as
    DefaultUser, so no process holding a TCP connection is root."""
    if os.geteuid() != 0:
        pytest.skip("the daemon must start as root to give root up")
    import privs
    res = privs.run(seconds=4, clients=20, privsep=True, log=lambda m: 0)
    assert sum(res["network_facing_root_samples"].values()) == 0, res
    assert res["ok"], res


@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None,
                    reason="no C compiler for the shim")
def test_eio_in_the_queue_never_gets_250():
    import eio
    res = eio.run(eio.SCENARIOS)
    assert [r[0] for r in res] == eio.SCENARIOS, res
    for name, problems, finals, om in res:
        assert problems == [], (name, problems, finals)
        assert om in (True, None), (name, finals)
