"""The finance API of DESIGN.md section 4: import a statement, read its lines."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from finance.models import Statement, StatementLine
from tests.finance.bills import WechatRow, wechat_bill

pytestmark = pytest.mark.django_db
URL = "/api/finance/statements/"


@pytest.fixture
def client_as():
    def login(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


def upload(client: APIClient, content: bytes, source: str = "wechatpay", **extra):
    data = {
        "file": SimpleUploadedFile("bill.csv", content, content_type="text/csv"),
        "source": source,
        **extra,
    }
    return client.post(URL, data, format="multipart")


def test_import_answers_its_id_and_colour_counts(
    client_as, finance_user, wechat_order_refunded, statement_file
):
    response = upload(client_as(finance_user), statement_file("wechatpay_all_20260128.csv"))
    assert response.status_code == 201, response.json()
    body = response.json()
    statement = Statement.objects.get()
    assert body["id"] == statement.pk
    assert (body["green"], body["yellow"], body["red"], body["grey"]) == (0, 2, 1, 0)
    assert (body["duplicate"], body["dry_run"], body["lines"]) == (False, False, 3)
    assert body["lines_url"].endswith(f"/api/finance/statements/{statement.pk}/lines/")


def test_lines_show_serial_hub_number_colour_and_explanation(
    client_as, finance_user, wechat_order_refunded, statement_file, django_assert_max_num_queries
):
    client = client_as(finance_user)
    statement_id = upload(client, statement_file("wechatpay_all_20260128.csv")).json()["id"]
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}{statement_id}/lines/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    lines = response.json()["results"]
    assert [(line["payment_serial_no"], line["hub_no"], line["colour"]) for line in lines] == [
        ("4200001234202601281234567890", "MP2026012800011", "yellow"),
        ("4200001234202601281234567891", None, "red"),
        ("4200001234202601281234567890", "MP2026012800011", "yellow"),
    ]
    assert (
        lines[1]["explanation"]
        == "未找到对应订单（支付流水号4200001234202601281234567891，商户订单号MP2026012800012）"
    )
    assert lines[0]["explanation"] == "应收199.00元，实收178.55元，差额20.45元为部分退款20.00元、微信手续费0.45元"
    # an integrator asking in English reads English (the fee's label is the statement's own)
    english = client.get(f"{URL}{statement_id}/lines/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][0]["explanation"] == (
        "expected 199.00, received 178.55; the difference of 20.45 is a partial refund 20.00、"
        "微信手续费 0.45"
    )
    red = client.get(f"{URL}{statement_id}/lines/", {"colour": "red"}).json()["results"]
    assert [line["line_no"] for line in red] == [3]


def test_same_file_again_answers_the_first_import(client_as, finance_user, statement_file):
    client = client_as(finance_user)
    first = upload(client, statement_file("wechatpay_all_20260128.csv")).json()
    again = upload(client, statement_file("wechatpay_all_20260128.csv"))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert StatementLine.objects.count() == 3


def test_dry_run_previews_and_saves_nothing(client_as, finance_user, statement_file):
    response = upload(
        client_as(finance_user), statement_file("wechatpay_all_20260128.csv"), dry_run="true"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] is None and body["dry_run"] is True and body["red"] == 3
    assert len(body["preview"]) == 3 and body["preview"][0]["colour"] == "red"
    assert not Statement.objects.exists()


def test_bad_row_answers_400_naming_the_row(client_as, finance_user):
    content = wechat_bill(
        [WechatRow("42001", "MP1", settled="1.00"), WechatRow("42002", "MP2", settled="x")]
    )
    response = upload(client_as(finance_user), content)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "statement_rejected"
    assert body["detail"].startswith("Nothing was imported from bill.csv: row 3:")
    assert body["errors"] == [{"row": 3, "message": "应结订单金额 'x' is not an amount"}]
    assert not StatementLine.objects.exists()


def test_wrong_kind_of_file_and_bad_source_answer_400(client_as, finance_user, statement_file):
    client = client_as(finance_user)
    wrong = upload(client, statement_file("wechatpay_all_20260128.csv"), source="alipay_account")
    assert wrong.status_code == 400 and "not an Alipay account bill" in wrong.json()["detail"]
    bad_source = upload(client, statement_file("wechatpay_all_20260128.csv"), source="paypal")
    assert bad_source.status_code == 400
    assert "source" in bad_source.json()["errors"]
    no_file = client.post(URL, {"source": "wechatpay"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]


@pytest.mark.parametrize("role", ["customer_service", "warehouse", "operations", "integrator"])
def test_other_roles_get_403(role, client_as, make_user, finance_user, statement_file):
    statement_id = upload(
        client_as(finance_user), statement_file("wechatpay_all_20260128.csv")
    ).json()["id"]
    client = client_as(make_user(role))
    refused_import = upload(client, wechat_bill([WechatRow("42009", "MP9", settled="1.00")]))
    assert refused_import.status_code == 403
    assert "Only finance and managers may import" in refused_import.json()["detail"]
    refused_read = client.get(f"{URL}{statement_id}/lines/")
    assert refused_read.status_code == 403
    assert Statement.objects.count() == 1


def test_manager_reads_and_anonymous_is_refused(client_as, manager, statement_file):
    statement_id = upload(client_as(manager), statement_file("wechatpay_all_20260128.csv")).json()[
        "id"
    ]
    assert client_as(manager).get(f"{URL}{statement_id}/").json()["red"] == 3
    assert APIClient().get(f"{URL}{statement_id}/lines/").status_code in (401, 403)


def test_unknown_statement_answers_404(client_as, finance_user):
    response = client_as(finance_user).get(f"{URL}999999/lines/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No payment statement #999999."


def test_schema_documents_the_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/finance/statements/"]["post"]
    lines = schema["paths"]["/api/finance/statements/{statement_id}/lines/"]["get"]
    assert {"200", "201", "400", "403"} <= set(post["responses"])
    assert {"200", "400", "403", "404"} <= set(lines["responses"])
    assert "multipart/form-data" in post["requestBody"]["content"]
