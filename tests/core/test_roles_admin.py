"""A role is a group named by its code; its admin pages and the user list name it by its label."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "x"))
    return client


def test_a_roles_page_and_its_history_are_titled_with_its_label(superuser_client):
    group = Group.objects.get(name="customer_service")
    for url in (f"/admin/auth/group/{group.pk}/change/", f"/admin/auth/group/{group.pk}/history/"):
        html = superuser_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "客服" in html, url
        assert "customer_service" not in html.replace('value="customer_service"', ""), url


def test_the_user_lists_group_filter_names_roles_by_label(superuser_client):
    html = superuser_client.get("/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "系统对接" in html
    assert ">integrator<" not in html and ">customer_service<" not in html
    group = Group.objects.get(name="integrator")
    assert f"groups__id__exact={group.pk}" in html
