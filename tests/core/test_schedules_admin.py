"""django-q2's scheduled tasks in the admin: each job named by its label, its path as code."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_q.models import Schedule

from orderhub.core.admin_schedules import JOB_LABELS, job_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh_admin() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "x"))
    return client


def test_every_installed_schedule_has_a_label():
    assert set(Schedule.objects.values_list("func", flat=True)) <= set(JOB_LABELS)


def test_the_list_names_each_job_by_its_label_and_keeps_its_path_as_code(zh_admin):
    html = zh_admin.get("/admin/django_q/schedule/").content.decode()
    assert "订单时效（SLA）巡检" in html
    assert "<code>orders.tasks.sla_sweep_task</code>" in html


def test_a_schedules_page_is_titled_with_its_label_and_its_examples_are_code(zh_admin):
    schedule = Schedule.objects.get(func="orders.tasks.sla_sweep_task")
    page = zh_admin.get(f"/admin/django_q/schedule/{schedule.pk}/change/").content.decode()
    assert "<title>订单时效（SLA）巡检 |" in page
    assert "例如： <code>module.tasks.result_function</code>" in page
    history = zh_admin.get(f"/admin/django_q/schedule/{schedule.pk}/history/").content.decode()
    assert "订单时效（SLA）巡检" in history and "sla_sweep_task" not in history


def test_a_schedule_of_an_unknown_job_is_named_by_its_name_or_path():
    assert job_label(Schedule(func="myapp.tasks.job", name="月末对账")) == "月末对账"
    assert job_label(Schedule(func="myapp.tasks.job")) == "myapp.tasks.job"
