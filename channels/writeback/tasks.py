"""Background jobs of the write-back (django-q2).

- ``writebacks_send_task``: queued after the commit that asked for a write-back or retried
  one; sends what is due, and queues itself again when its time ran out.
- ``writebacks_sweep`` every minute (schedule created by migration): the attempts whose backoff
  passed or whose sender died, and the deadline alerts. Both are idempotent sweeps: a lost task
  is caught up by the next minute.
"""
from __future__ import annotations

from django_q.tasks import async_task

from channels.writeback.deadlines import writeback_deadlines_check
from channels.writeback.sender import writebacks_send


def writebacks_send_task() -> dict:
    """Send the due write-backs; queue another run if time ran out."""
    report = writebacks_send()
    if report.more:
        async_task(writebacks_send_task)
    return report.as_dict()


def writebacks_sweep() -> dict:
    """Every minute: send what is due, then alert on write-backs near their deadline."""
    sent = writebacks_send_task()
    return {**sent, "deadline_alerts": writeback_deadlines_check()}
