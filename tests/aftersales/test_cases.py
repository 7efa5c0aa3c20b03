"""Cases: the state machine per kind, the 409 on an illegal move, history, permissions."""
from __future__ import annotations

import pytest

from aftersales.models import Case
from aftersales.services import IllegalCaseMove, case_transition
from aftersales.state_machine import CASE_MOVES, CaseStatus, Kind
from orderhub.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db

PATHS = {
    Kind.REFUND_ONLY: ["approve", "refund", "close"],
    Kind.PARTIAL_REFUND: ["approve", "refund", "close"],
    Kind.RETURN: ["approve_return", "receive_return", "inspect", "refund", "close"],
    Kind.EXCHANGE: ["approve_return", "receive_return", "inspect", "reship", "close"],
    Kind.RESEND: ["approve", "reship", "close"],
}


@pytest.mark.parametrize("kind", list(PATHS))
def test_each_kind_walks_its_own_path_to_closed(kind, open_case, make_user, a_warehouse):
    # given a case of this kind on a delivered order, and a manager
    case = open_case(kind, amount="50.00" if kind == Kind.PARTIAL_REFUND else None)
    manager = make_user("manager")
    # when every move of its path is made
    for name in PATHS[kind]:
        case_transition(case=case, name=name, actor=manager, reason=f"step {name}",
                        inspection="good" if name == "inspect" else "")
    # then it is closed, answered by the manager, and each move is a history row
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.first_answered_at is not None and case.closed_at is not None
    reasons = list(case.history.order_by("history_id").values_list("history_change_reason",
                                                                    flat=True))
    assert reasons[1:] == [f"step {name}" for name in PATHS[kind]]
    assert case.history.latest().history_user == manager


@pytest.mark.parametrize("kind,name", [
    (Kind.REFUND_ONLY, "approve_return"), (Kind.REFUND_ONLY, "inspect"),
    (Kind.RESEND, "refund"), (Kind.RETURN, "reship"), (Kind.EXCHANGE, "approve"),
])
def test_a_move_not_of_the_kind_is_refused_naming_state_and_allowed_moves(kind, name,
                                                                         open_case):
    case = open_case(kind)
    with pytest.raises(IllegalCaseMove) as refused:
        case_transition(case=case, name=name, actor=None)
    assert refused.value.status_code == 409
    assert refused.value.extra["current_state"] == "requested"
    assert name not in refused.value.extra["allowed_transitions"]
    assert "reject" in refused.value.extra["allowed_transitions"]
    assert "'requested'" in refused.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.REQUESTED


@pytest.mark.parametrize("move", [m for m in CASE_MOVES if m.name not in ("reject",
                                                                          "withdraw")])
def test_every_move_is_refused_from_a_final_state(move, open_case):
    case = open_case(move.kinds[0])
    case_transition(case=case, name="reject", actor=None, reason="no proof")
    with pytest.raises(IllegalCaseMove):
        case_transition(case=case, name=move.name, actor=None)


def test_reject_needs_a_reason(open_case):
    case = open_case("refund_only")
    with pytest.raises(Exception, match="Say why"):
        case_transition(case=case, name="reject", actor=None)


@pytest.mark.parametrize("role,name,allowed", [
    ("customer_service", "approve_return", True),
    ("warehouse", "approve_return", False),
    ("finance", "approve_return", False),
    ("warehouse", "receive_return", True),
    ("customer_service", "receive_return", False),
])
def test_permissions_follow_the_roles(role, name, allowed, open_case, make_user):
    case = open_case("return")
    if name == "receive_return":
        case_transition(case=case, name="approve_return", actor=None)
    user = make_user(role)
    if allowed:
        case_transition(case=case, name=name, actor=user)
        assert Case.objects.get(pk=case.pk).status != CaseStatus.REQUESTED
    else:
        with pytest.raises(PermissionRefused, match=f"aftersales"):
            case_transition(case=case, name=name, actor=user)


def test_history_records_the_ip_of_the_request(open_case, make_user, as_request):
    case = open_case("refund_only")
    cs = make_user("customer_service")
    with as_request(cs, ip="198.51.100.9"):
        case_transition(case=case, name="approve", actor=cs, reason="seven-day return")
    row = case.history.latest()
    assert (row.ip_address, row.history_user, row.history_change_reason) == (
        "198.51.100.9", cs, "seven-day return")


def test_api_409_names_state_and_moves(open_case, token_client):
    case = open_case("refund_only")
    client = token_client("manager")
    answer = client.post(f"/api/aftersales/{case.pk}/transitions/inspect/", {}, format="json")
    assert answer.status_code == 409
    assert answer.json()["current_state"] == "requested"
    assert set(answer.json()["allowed_transitions"]) == {"approve", "reject", "withdraw"}
    assert "cannot 'inspect'" in answer.json()["detail"]


def test_api_moves_and_lists_a_case(open_case, token_client):
    case = open_case("return")
    client = token_client("customer_service")
    moved = client.post(f"/api/aftersales/{case.pk}/transitions/approve_return/",
                        {"reason": "同意退货"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == "awaiting_return"
    listed = client.get(f"/api/aftersales/?order={case.order.hub_no}")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["id"], row["hub_no"], row["kind"], row["reason_category"], row["amount"]) == (
        case.pk, case.order.hub_no, "return", "quality", "199.00")
    assert row["lines"][0]["sku"] == "TS-WHITE-L"


def test_api_refuses_a_role_without_the_move(open_case, token_client):
    case = open_case("return")
    answer = token_client("finance").post(
        f"/api/aftersales/{case.pk}/transitions/approve_return/", {}, format="json")
    assert answer.status_code == 403
    assert "aftersales.answer_case" in answer.json()["detail"]
