"""Every schedule the migrations install can be planned by the worker: a cron schedule needs
croniter (requirements.txt), without which qcluster logs 'Could not create task from schedule'
every time it looks, and the schedule never runs."""
from __future__ import annotations

import pytest
from django.utils import timezone
from django_q.models import Schedule

pytestmark = pytest.mark.django_db


def test_every_installed_schedule_has_a_next_run_after_now():
    schedules = list(Schedule.objects.all())
    assert any(schedule.schedule_type == Schedule.CRON for schedule in schedules)
    now = timezone.now()
    for schedule in schedules:
        assert schedule.calculate_next_run(now) > now, schedule.name
