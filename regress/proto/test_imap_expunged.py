"""IMAP: what a session answers about messages another session expunged
before it was told (found by imaptest's stress run, whose SEARCH check
reported "SEARCH result missing" against mailboxd and nothing against
dovecot 2.3).  Such a message keeps its flags, UID and number until
the EXPUNGE is reported; a SEARCH key that needs more (text, size,
dates) is unknown for it, and when that leaves the answer unknown the
message is left out and the reply carries [EXPUNGEISSUED] (RFC 5530),
as dovecot's does.  Both storage formats, bin/mailboxd as in
test_imap.py.
"""

import pytest

from test_imap import make, tmp  # noqa: F401 (tmp is a fixture)


@pytest.fixture(params=["mbox", "maildir"])
def server(request, tmp):  # noqa: F811
    s = make(tmp, request.param)
    yield s
    s.stop()


def search(m, *keys):
    """(tagged text, numbers) of SEARCH keys."""
    typ, data = m._simple_command("SEARCH", *keys)
    assert typ == "OK", data
    found = m.untagged_responses.pop("SEARCH", [b""])
    return data[0].decode(), found[0].decode().split()


def expunged_behind(server, seq):
    """Sessions a and b on INBOX; b expunges message seq, a is not told
    yet."""
    a, b = server.login(), server.login()
    a.select("INBOX")
    b.select("INBOX")
    b.store(seq, "+FLAGS", "(\\Deleted)")
    b.expunge()
    return a, b


def test_search_on_a_message_another_session_expunged(server):
    a, b = expunged_behind(server, "2")
    # message 2 ("part one" in its body) is gone; a has not been told
    assert search(a, "BODY", '"part one"') == (
        "[EXPUNGEISSUED] Search completed.", [])
    assert search(a, "BODY", "needle") == (
        "[EXPUNGEISSUED] Search completed.", ["1"])
    assert search(a, "NOT", "BODY", "needle") == (
        "[EXPUNGEISSUED] Search completed.", ["3"])
    assert search(a, "LARGER", "1")[0].startswith("[EXPUNGEISSUED] ")
    assert search(a, "SENTSINCE", "1-Jan-2000")[0].startswith(
        "[EXPUNGEISSUED] ")
    # what the flags and numbers decide is still answered
    assert search(a, "2") == ("Search completed.", ["2"])
    assert search(a, "ALL") == ("Search completed.", ["1", "2", "3"])
    assert search(a, "OR", "BODY", "nothing", "2") == (
        "Search completed.", ["2"])
    assert search(a, "DELETED") == ("Search completed.", [])
    # SEARCH reports no EXPUNGE; NOOP does, and then all is known again
    assert a.noop()[0] == "OK"
    assert a.untagged_responses.pop("EXPUNGE") == [b"2"]
    assert search(a, "BODY", '"part one"') == ("Search completed.", [])
    assert search(a, "ALL") == ("Search completed.", ["1", "2"])
    a.logout()
    b.logout()


def test_sort_says_so_too_thread_never(server):
    a, b = expunged_behind(server, "1")
    typ, data = a._simple_command("SORT", "(SUBJECT)", "UTF-8", "BODY",
                                  "needle")
    assert typ == "OK" and data == [b"[EXPUNGEISSUED] Sort completed."]
    assert a.untagged_responses.pop("SORT") == [b""]
    # the gone message sorts by what is known of it (nothing), first
    typ, data = a._simple_command("SORT", "(SUBJECT)", "UTF-8", "ALL")
    assert data == [b"Sort completed."]
    assert a.untagged_responses.pop("SORT") == [b"1 3 2"]
    # dovecot 2.3's THREAD never says it
    typ, data = a._simple_command("THREAD", "REFERENCES", "UTF-8", "BODY",
                                  "needle")
    assert typ == "OK" and data == [b"Thread completed."]
    # UID SEARCH (ESEARCH) says it, and then reports the EXPUNGE
    typ, data = a._simple_command("UID", "SEARCH", "RETURN", "(COUNT)",
                                  "TEXT", "needle")
    assert typ == "OK" and data == [b"[EXPUNGEISSUED] Search completed."]
    assert a.untagged_responses.pop("ESEARCH")[0].endswith(b"UID COUNT 0")
    assert a.untagged_responses.pop("EXPUNGE") == [b"1"]
    a.logout()
    b.logout()
