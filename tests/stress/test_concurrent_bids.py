"""Concurrent bid submissions at the deadline: zero lost updates (issue 8, proof under stress).

Four suppliers' users each submit five versions of their bid from threads of their own, all at once, in the last
seconds before the submission deadline; then each tries once more just after it. On PostgreSQL (row locks; the
SQLite test database is in memory and single-writer, so the test is skipped there and runs in .ci/run's PostgreSQL
pass): every submission before the deadline is stored as its bid's next version (1 to 5, none lost, none
duplicated), each receipt is the SHA-256 of its ciphertext, every submission after the deadline is refused with the
deadline in the message, and the audit chain stays one unforked chain.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections, connection

from civicpact.accounts.models import User
from civicpact.ledger.selectors import audit_chain_verify
from civicpact.tendering import services
from civicpact.tendering.exceptions import DeadlinePassed
from civicpact.tendering.models import Bid, BidVersion
from tests.tendering.fixtures import bid_payload

BIDDERS = ("supplier", "civicsense", "harbour", "brightpole")
VERSIONS = 5


@pytest.mark.django_db(transaction=True)
def test_bids_submitted_at_once_at_the_deadline_are_all_kept_and_late_ones_all_refused(
    flushable_ledger: None, tender: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; the SQLite test database is in memory and single-writer")
    users = {name: User.objects.get(username=name) for name in BIDDERS}
    accepted: dict[str, list[str]] = {name: [] for name in BIDDERS}
    refused: dict[str, list[str]] = {name: [] for name in BIDDERS}
    errors: list[BaseException] = []
    start = threading.Barrier(len(BIDDERS))

    def bidder(name: str) -> None:
        try:
            start.wait()
            for number in range(VERSIONS):
                version = services.bid_submit(
                    actor=users[name], tender_id=tender.pk, payload=bid_payload(price=str(1_000_000 + number))
                )
                accepted[name].append(version.receipt)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def late(name: str) -> None:
        try:
            start.wait()
            services.bid_submit(actor=users[name], tender_id=tender.pk, payload=bid_payload(price="1"))
        except DeadlinePassed as exc:
            refused[name].append(str(exc))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    deadline = tender.submission_deadline
    for target, moment in ((bidder, deadline - timedelta(seconds=30)), (late, deadline + timedelta(seconds=1))):
        with time_machine.travel(moment, tick=True):
            threads = [threading.Thread(target=target, args=(name,)) for name in BIDDERS]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert errors == []
    for name, user in users.items():
        bid = Bid.objects.get(tender=tender, supplier__memberships__user=user)
        versions = list(BidVersion.objects.filter(bid=bid).order_by("number"))
        assert [v.number for v in versions] == list(range(1, VERSIONS + 1)), name
        assert [v.receipt for v in versions] == accepted[name], name
        assert all(v.receipt == hashlib.sha256(bytes(v.sealed)).hexdigest() for v in versions), name
        assert len(refused[name]) == 1, name
        assert "deadline passed" in refused[name][0], name
    assert audit_chain_verify().ok
