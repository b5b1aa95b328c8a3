"""Who may import, without Streamlit: the token lockout registry (per client, across sessions,
bounded, forgetting, thread-safe), the minimum token length, and the OIDC allow-list (verified,
normalised addresses only)."""

from __future__ import annotations

import threading

import pytest

from govdash.core.rules.access import (
    MIN_TOKEN_LENGTH,
    OVERFLOW_CLIENT,
    UNKNOWN_CLIENT,
    Lockouts,
    Outcome,
    Refusal,
    admin_refusal,
    client_key,
    is_admin,
    token_too_short,
    wait_parts,
)

TOKEN = "x" * 8 + "-right-token-8765"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_locked_out_client_stays_locked_whoever_asks_and_others_may_try():
    clock = Clock()
    lockouts = Lockouts(clock=clock)
    for i in range(4):
        assert lockouts.submit("ip:203.0.113.7", f"guess-{i}", TOKEN) is Outcome.REFUSED
    assert lockouts.locked_for("ip:203.0.113.7") == 0, "four mistakes are allowed"
    assert lockouts.submit("ip:203.0.113.7", "guess-4", TOKEN) is Outcome.REFUSED
    # The registry is the process's: a new session or a reload asks it again and is told to wait.
    assert lockouts.locked_for("ip:203.0.113.7") == 60.0
    assert lockouts.submit("ip:203.0.113.7", TOKEN, TOKEN) is Outcome.LOCKED, "not even compared"
    assert lockouts.locked_for("ip:198.51.100.2") == 0, "another address is not locked out"
    assert lockouts.submit("ip:198.51.100.2", TOKEN, TOKEN) is Outcome.ACCEPTED
    clock.now += 60.0
    assert lockouts.locked_for("ip:203.0.113.7") == 0
    assert lockouts.submit("ip:203.0.113.7", "guess-5", TOKEN) is Outcome.REFUSED
    assert lockouts.locked_for("ip:203.0.113.7") == 120.0, "each further failure doubles the wait"
    clock.now += 120.0
    assert lockouts.submit("ip:203.0.113.7", TOKEN, TOKEN) is Outcome.ACCEPTED
    assert lockouts.failures("ip:203.0.113.7") == 0, "the right token clears the count"


def test_the_same_wrong_token_submitted_again_is_one_attempt():
    lockouts = Lockouts(clock=Clock())
    assert lockouts.submit("ip:203.0.113.7", "typo-token", TOKEN) is Outcome.REFUSED
    for _ in range(10):
        assert lockouts.submit("ip:203.0.113.7", "typo-token", TOKEN) is Outcome.REPEATED
    assert lockouts.failures("ip:203.0.113.7") == 1 and not lockouts.locked_for("ip:203.0.113.7")
    assert lockouts.submit("ip:203.0.113.7", "other-typo", TOKEN) is Outcome.REFUSED
    assert lockouts.submit("ip:203.0.113.7", "typo-token", TOKEN) is Outcome.REFUSED, "not last"
    assert lockouts.failures("ip:203.0.113.7") == 3


def test_a_shared_bucket_keeps_counting_after_someone_gets_in():
    lockouts = Lockouts(clock=Clock())
    for i in range(4):
        lockouts.submit(UNKNOWN_CLIENT, f"guess-{i}", TOKEN)
    assert lockouts.submit(UNKNOWN_CLIENT, TOKEN, TOKEN) is Outcome.ACCEPTED
    assert lockouts.failures(UNKNOWN_CLIENT) == 4, "others behind the same proxy are not reset"


def test_failures_are_forgotten_a_day_after_the_last_one():
    clock = Clock()
    lockouts = Lockouts(clock=clock, forget_after=24 * 3600.0)
    for i in range(6):
        clock.now += 61 * 60  # past each lockout (the sixth failure locks for two minutes)
        lockouts.submit("ip:203.0.113.7", f"guess-{i}", TOKEN)
    assert lockouts.locked_for("ip:203.0.113.7") == 120.0
    clock.now += 24 * 3600.0 + 119.0
    assert lockouts.failures("ip:203.0.113.7") == 6, "the day counts from the end of the lockout"
    clock.now += 1.0
    assert lockouts.failures("ip:203.0.113.7") == 0 and lockouts.locked_for("ip:203.0.113.7") == 0


def test_the_registry_is_bounded_and_clients_beyond_it_share_one_bucket():
    clock = Clock()
    lockouts = Lockouts(max_clients=3, clock=clock, forget_after=600.0)
    for n in range(3):
        lockouts.submit(f"ip:10.0.0.{n}", "guess", TOKEN)
    for n in range(3, 1003):  # an attacker with a thousand addresses
        lockouts.submit(f"ip:10.0.{n // 256}.{n % 256}", f"guess-{n}", TOKEN)
    assert len(lockouts) == 4, "three clients and the overflow bucket, however many come"
    assert lockouts.locked_for(OVERFLOW_CLIENT) > 0, "the flood locks itself out"
    assert lockouts.failures("ip:10.0.0.1") == 1, "nobody's count was evicted to make room"
    assert lockouts.locked_for("ip:192.0.2.1") > 0, "a newcomer to a full registry shares it"
    clock.now += 600.0 + 3600.0
    assert lockouts.locked_for("ip:192.0.2.1") == 0
    lockouts.submit("ip:192.0.2.1", "guess", TOKEN)
    assert lockouts.failures("ip:192.0.2.1") == 1 and len(lockouts) == 1, "expired ones swept"


def test_concurrent_wrong_tokens_from_one_client_are_each_counted_once():
    lockouts = Lockouts(clock=Clock())
    outcomes: list[Outcome] = []
    start = threading.Barrier(8)

    def guess(worker: int) -> None:
        start.wait()
        for i in range(50):
            outcomes.append(lockouts.submit("ip:203.0.113.7", f"guess-{worker}-{i}", TOKEN))

    threads = [threading.Thread(target=guess, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.REFUSED) == 5, "exactly five compared before the lockout"
    assert outcomes.count(Outcome.LOCKED) == 8 * 50 - 5
    assert lockouts.failures("ip:203.0.113.7") == 5


@pytest.mark.parametrize(
    ("address", "identity", "client"),
    [
        ("203.0.113.7", None, "ip:203.0.113.7"),
        ("203.0.113.7", "sub-42", "user:sub-42"),  # signed in: the identity, wherever it is
        (None, None, UNKNOWN_CLIENT),  # localhost, or a proxy on the same host
        ("", "", UNKNOWN_CLIENT),
        (object(), None, UNKNOWN_CLIENT),  # anything that is not an address
    ],
)
def test_attempts_are_counted_against_the_identity_else_the_address(address, identity, client):
    assert client_key(address, identity) == client


def test_a_configured_token_needs_the_minimum_length():
    assert MIN_TOKEN_LENGTH >= 16
    assert token_too_short("abc")
    assert token_too_short("x" * (MIN_TOKEN_LENGTH - 1))
    assert not token_too_short("x" * MIN_TOKEN_LENGTH)


@pytest.mark.parametrize(
    ("seconds", "parts"),
    [(0.2, (0, 1)), (45.0, (0, 45)), (59.2, (1, 0)), (60.0, (1, 0)), (61.0, (1, 1)),
     (119.5, (2, 0)), (3600.0, (60, 0)), (0.0, (0, 0))],
)  # fmt: skip
def test_a_wait_is_told_in_minutes_and_seconds_never_early(seconds, parts):
    assert wait_parts(seconds) == parts


ADMINS = ["official@example.org", "kate@example.org"]
KELVIN = "\u212a"  # KELVIN SIGN: lower() and NFKC both make it "k"


@pytest.mark.parametrize(
    ("claims", "refusal"),
    [
        ({"email": "official@example.org", "email_verified": True}, None),
        ({"email": "Official@Example.ORG", "email_verified": True}, None),
        ({"email": "official@example.org", "email_verified": "true"}, None),  # sent as text
        ({"email": "official@example.org"}, Refusal.VERIFICATION_UNKNOWN),
        ({"email": "official@example.org", "email_verified": None}, Refusal.VERIFICATION_UNKNOWN),
        ({"email": "official@example.org", "email_verified": False}, Refusal.UNVERIFIED),
        ({"email": "official@example.org", "email_verified": "false"}, Refusal.UNVERIFIED),
        ({"email": "official@example.org", "email_verified": 1}, Refusal.UNVERIFIED),
        ({"email": f"{KELVIN}ate@example.org", "email_verified": True}, Refusal.NOT_NORMALISED),
        ({"email": "ｏfficial@example.org", "email_verified": True}, Refusal.NOT_NORMALISED),
        ({"email": "of\ufb01cial@example.org", "email_verified": True}, Refusal.NOT_NORMALISED),
        ({"email": " official@example.org", "email_verified": True}, Refusal.NOT_NORMALISED),
        ({"email": "someone@example.org", "email_verified": True}, Refusal.NOT_LISTED),
        ({"email": "", "email_verified": True}, Refusal.NO_EMAIL),
        ({"email_verified": True}, Refusal.NO_EMAIL),
    ],
)
def test_an_admin_has_a_verified_address_in_normal_form_on_the_list(claims, refusal):
    assert admin_refusal(claims, ADMINS) is refusal
    assert is_admin(claims, ADMINS) is (refusal is None)


@pytest.mark.parametrize(
    ("configured", "email", "allowed"),
    [
        ([f"{KELVIN}ate@example.org"], "kate@example.org", False),  # an entry not in normal form
        (["strasse@example.de"], "straße@example.de", False),  # ß folds to ss: not the same
        (["straße@example.de"], "strasse@example.de", False),
        (["björn@example.se"], "Björn@example.se", True),  # non-ASCII in normal form is fine
        (" official@example.org ; kate@example.org", "kate@example.org", True),
    ],
)
def test_addresses_that_only_look_alike_never_match(configured, email, allowed):
    assert is_admin({"email": email, "email_verified": True}, configured) is allowed
