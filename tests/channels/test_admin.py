"""Admin screens: endpoints with masked secrets, deliveries and the reprocess action, the
spreadsheet upload with its dry-run preview, aliases import/export, identity merge undo."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from channels.importers import SkuAliasResource
from channels.models import ChannelEndpoint, Delivery, IdentityMerge
from orders.models import Order, ProductAlias
from tests.channels import payloads as p
from tests.channels.conftest import SECRET
from tests.channels.test_identity import two_people_then_one_order_links_them
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize("name", ["channelendpoint", "delivery", "refuseddelivery", "skualias",
                                  "testorderrule", "identitymatchsettings", "customeridentity",
                                  "identitymerge"])
def test_every_screen_opens(name, manager_client, channel, post):
    channel("jd")
    post("jd", p.dumps(p.jd_order()))
    response = manager_client.get(reverse(f"admin:channels_{name}_changelist"))
    assert response.status_code == 200


def test_the_webhook_secret_is_masked_and_can_be_replaced(manager_client, channel):
    channel("jd")
    endpoint = ChannelEndpoint.objects.get(channel__code="jd")
    listing = manager_client.get(reverse("admin:channels_channelendpoint_changelist"))
    page = manager_client.get(reverse("admin:channels_channelendpoint_change",
                                      args=[endpoint.pk]))
    assert SECRET not in listing.content.decode() and SECRET not in page.content.decode()
    assert "••••" in listing.content.decode()
    manager_client.post(reverse("admin:channels_channelendpoint_change", args=[endpoint.pk]),
                        {"channel": endpoint.channel_id, "scheme": "hub",
                         "accepts_pushes": "on", "new_secret": "rotated-secret-xyz"})
    endpoint.refresh_from_db()
    assert endpoint.webhook_secret == "rotated-secret-xyz"


def test_a_reader_of_an_endpoint_sees_its_masked_secret_not_an_empty_new_one(client, make_user,
                                                                           channel):
    channel("jd")
    endpoint = ChannelEndpoint.objects.get(channel__code="jd")
    client.force_login(make_user("operations"))
    page = client.get(reverse("admin:channels_channelendpoint_change", args=[endpoint.pk]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "New secret" not in page and "None" not in page
    assert "••••" in page and SECRET not in page


def test_a_failed_delivery_shows_its_error_and_is_reprocessed_from_the_admin(manager_client,
                                                                             channel, post):
    # given a delivery that failed because the channel was switched off
    jd = channel("jd")
    jd.is_active = False
    jd.save()
    assert post("jd", p.dumps(p.jd_order())).status_code == 409
    delivery = Delivery.objects.get()
    page = manager_client.get(reverse("admin:channels_delivery_change", args=[delivery.pk]))
    assert "not active" in page.content.decode()
    # when the channel is back and the manager reprocesses it
    jd.is_active = True
    jd.save()
    response = manager_client.post(reverse("admin:channels_delivery_changelist"),
                                   {"action": "reprocess", "_selected_action": [delivery.pk]},
                                   follow=True)
    # then the order exists and the delivery is processed
    assert "1 deliveries reprocessed" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PROCESSED
    assert Order.objects.count() == 1


def test_reprocess_events_command_runs_failed_deliveries(channel, post):
    jd = channel("jd")
    jd.is_active = False
    jd.save()
    post("jd", p.dumps(p.jd_order()))
    jd.is_active = True
    jd.save()
    call_command("reprocess_events")
    assert Delivery.objects.get().status == Delivery.Status.PROCESSED
    assert Order.objects.count() == 1


def test_upload_preview_lists_each_bad_row_and_imports_nothing(manager_client, channel):
    channel("pos")
    upload = reverse("admin:channels_delivery_upload")
    body = p.pos_csv("S1,店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,abc,59.00,",
                     "S2,店A,not a time,completed,,,POS-BAG,帆布包,1,59.00,")
    response = manager_client.post(upload, {
        "channel": channel("pos").pk, "file": SimpleUploadedFile("day.csv", body, "text/csv")})
    text = response.content.decode()
    assert response.status_code == 200
    assert "row 2: quantity" in text and "row 3: ordered_at" in text
    assert not Order.objects.exists()


def test_upload_preview_then_confirm_imports(manager_client, channel, products):
    channel("pos")
    upload = reverse("admin:channels_delivery_upload")
    body = p.pos_csv("S1,店A,2026-01-28 13:00:00,completed,,,POS-BAG,帆布包,1,59.00,")
    preview = manager_client.post(upload, {
        "channel": channel("pos").pk, "file": SimpleUploadedFile("day.csv", body, "text/csv")})
    assert "1 to create" in preview.content.decode()
    assert not Order.objects.exists()  # a dry run
    delivery = Delivery.objects.get(status=Delivery.Status.PREVIEWED)
    manager_client.post(upload, {"confirm": delivery.pk})
    assert Order.objects.get().channel_order_no == "S1"


def test_the_template_downloads_as_xlsx(manager_client):
    response = manager_client.get(reverse("admin:channels_delivery_template"))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_aliases_export_in_chinese(manager_client):
    product = ProductFactory(sku="MB-C200-118")
    ProductAlias.objects.create(product=product, alias="奔驰C200")
    page = manager_client.get(reverse("admin:channels_skualias_export"),
                              HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "别名" in page.content.decode() and "渠道" in page.content.decode()
    with translation.override("zh-hans"):
        exported = SkuAliasResource().export()
    assert exported.dict == [{"别名": "奔驰C200", "SKU": "MB-C200-118", "渠道": ""}]


# The headers the export writes (in either language), and the codes older sheets carry.
@pytest.mark.parametrize("headers", ["别名,SKU,渠道", "alias,sku,channel", " Alias ,SKU,Channel"])
def test_aliases_import(manager_client, headers):
    product = ProductFactory(sku="MB-C200-118")
    ProductAlias.objects.create(product=product, alias="奔驰C200")
    sheet = f"{headers}\nMB-C200,MB-C200-118,\nMercedes-Benz C200,MB-C200-118,jd\n"
    response = manager_client.post(reverse("admin:channels_skualias_import"), {
        "format": "0", "resource": "0",
        "import_file": SimpleUploadedFile("aliases.csv", sheet.encode(), "text/csv")})
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    manager_client.post(reverse("admin:channels_skualias_process_import"),
                        confirm.initial)
    assert set(ProductAlias.objects.values_list("alias", "channel__code")) == {
        ("奔驰C200", None), ("MB-C200", None), ("Mercedes-Benz C200", "jd")}


def test_identity_merge_undo_action(manager_client, channel, post):
    two_people_then_one_order_links_them(channel, post)
    merge = IdentityMerge.objects.get()
    manager_client.post(reverse("admin:channels_identitymerge_changelist"),
                        {"action": "undo", "_selected_action": [merge.pk]})
    merge.refresh_from_db()
    assert merge.undone_at is not None
