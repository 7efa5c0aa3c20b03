"""Coalesced jobs (orderhub/core/tasks.py): one queued run at a time, however many commits
ask for it, and a lost run never stops the job for good."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orderhub.core import tasks
from orderhub.core.models import QueuedRun
from orderhub.core.tasks import QUEUED_RUN_STALE, coalesced_started, enqueue_coalesced

pytestmark = pytest.mark.django_db


def job() -> None:
    """A stand-in for a sweep-like job."""


@pytest.fixture
def queued(monkeypatch):
    """The tasks handed to django-q2 (not run)."""
    handed: list = []
    monkeypatch.setattr(tasks.q_tasks, "async_task", lambda func, **kwargs: handed.append(func))
    return handed


def test_one_run_is_queued_until_it_starts(queued):
    # when many commits ask for the job before its run starts
    asked = [enqueue_coalesced("test.job", job) for _ in range(5)]
    # then one run is queued
    assert (asked, queued) == ([True, False, False, False, False], [job])
    # and once it has started, the next commit queues another (that run may have looked
    # for work before this commit made it)
    coalesced_started("test.job")
    assert enqueue_coalesced("test.job", job) is True
    assert queued == [job, job]
    # other jobs are counted apart
    assert enqueue_coalesced("test.other", job) is True


def test_a_run_lost_before_it_started_is_replaced(queued):
    enqueue_coalesced("test.job", job)
    QueuedRun.objects.filter(name="test.job").update(
        queued_at=timezone.now() - QUEUED_RUN_STALE - dt.timedelta(seconds=1))
    assert enqueue_coalesced("test.job", job) is True
    assert len(queued) == 2
