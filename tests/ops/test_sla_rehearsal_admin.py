"""The SLA rehearsal's result is information on the form, not a form error."""
from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import SlaPolicy
from orders.sla.config import SlaStep
from tests.orders.test_deadlines import deadline_admin, stays_in_picking  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]


def test_the_rehearsal_is_shown_as_information_and_nothing_is_saved(deadline_admin):
    # given three stays in picking, and the default picking policy
    stays_in_picking(1.5, 3)
    policy = SlaPolicy.objects.get(step=SlaStep.PICKING, channel__isnull=True)
    url = reverse("admin:orders_slapolicy_change", args=[policy.pk])

    # when operations change it to 60 minutes and save
    response = deadline_admin.post(url, {
        "step": "picking", "channel": "", "minutes": "60", "team": "warehouse",
        "is_active": "on", "note": "", "rehearsal_days": "7"})

    # then the rehearsal is an information message, with no error banner or error list
    html = response.content.decode()
    infos = [m for m in response.context["messages"] if m.level_tag == "info"]
    assert len(infos) == 1 and "would have raised 2 alerts" in str(infos[0])
    assert "errornote" not in html and "errorlist" not in html
    # and the typed value is still in the form, and nothing is saved
    assert 'name="minutes" value="60"' in html
    assert SlaPolicy.objects.get(pk=policy.pk).minutes == 120
