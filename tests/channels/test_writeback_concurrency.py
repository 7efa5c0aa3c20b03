"""PostgreSQL: several senders at once (workers, the after-commit task and the sweep) take
different write-backs (SKIP LOCKED and the lease) and confirm each exactly once."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from channels.writeback.models import WriteBack
from channels.writeback.sender import writebacks_send
from orders.state_machine import Status
from tests.channels.writeback_kit import awaiting_pickup, connect
from tests.conftest import requires_postgres

SENDERS = 4
WRITEBACKS = 40


@requires_postgres("SKIP LOCKED")
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_confirm_each_write_back_once(platform, settings):
    # given 40 due write-backs and a platform that takes a moment for each
    settings.ORDERHUB_WRITEBACK_TIMEOUT_SECONDS = 5
    fake = platform("jd")
    fake.delay = 0.02
    fake.next(*["slow"] * WRITEBACKS)
    channel = connect("jd", fake)
    now = timezone.now()
    WriteBack.objects.bulk_create([
        WriteBack(order=awaiting_pickup("jd", status=Status.IN_TRANSIT,
                                        channel_order_no=f"2987{n:06d}"),
                  channel=channel, carrier="SF", tracking_no=f"SF{n:010d}",
                  next_attempt_at=now)
        for n in range(WRITEBACKS)
    ])

    # when four senders start at the same instant, each claiming small batches
    barrier = threading.Barrier(SENDERS)
    claimed: list[int] = []
    errors: list[Exception] = []

    def sender() -> None:
        try:
            barrier.wait(timeout=10)
            claimed.append(writebacks_send(batch=3).claimed)
        except Exception as problem:  # noqa: BLE001 - the test reports it
            errors.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every write-back was claimed once, sent once and confirmed once
    assert errors == []
    assert sum(claimed) == WRITEBACKS and len([c for c in claimed if c]) > 1
    assert fake.problems == [] and len(fake.requests) == WRITEBACKS
    assert set(fake.shipped.values()) == {1} and len(fake.shipped) == WRITEBACKS
    rows = list(WriteBack.objects.values_list("status", "attempts"))
    assert rows == [(WriteBack.WriteBackStatus.CONFIRMED, 1)] * WRITEBACKS
