"""Demo after-sales cases: every kind in every state it can reach, with buyers' own words.

Cases are opened on demo orders through ``aftersales.services.case_open`` and moved along
their kind's path through ``case_transition``, acted by the demo staff (customer service
answers, the warehouse inspects), so each has a real history and its effects (holds, refunds,
restocking, new outbound orders) happened as they would.
"""
from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from orderhub.core.errors import DomainError
from orders.demo_data import demo_staff_ensure
from orders.models import Order
from orders.state_machine import Status

from aftersales import texts
from aftersales.models import Case
from aftersales.services import case_open, case_transition
from aftersales.state_machine import FINAL_CASE_STATUSES, Kind

DEMO_CASE_REASON = texts.DEMO_CASE.encode()
LEGACY_DEMO_CASE_REASON = "demo after-sales"  # what earlier releases wrote (``--reset``)
WORDS = {
    Kind.REFUND_ONLY: ["拍错了，不想要了", "多拍了一件，麻烦退掉", "地址填错了，重新下单",
                       "七天无理由，不需要了", "买贵了，别家便宜二十块"],
    Kind.PARTIAL_REFUND: ["少发了一双袜子，退一下差价", "赠品没有收到，页面写了送的",
                          "一箱12瓶只有10瓶，少了两瓶", "缺了一个配件，没有充电线"],
    Kind.RETURN: ["衣服洗一次就起球，质量太差", "色差太大了，和图片完全两个颜色",
                  "杯子碎了，外包装都压坏了", "穿着不合适，七天无理由退货",
                  "与描述不符，说是纯棉结果是化纤", "开不了机，充不进电"],
    Kind.EXCHANGE: ["尺码偏小一个码，想换大一码", "拉链断了，换一件新的", "鞋子开胶了，要换货",
                    "有瑕疵，线头很多，麻烦换一个"],
    Kind.RESEND: ["发错了，我买的是黑色，收到的是白色", "漏发了赠品，麻烦补寄",
                  "少发了一件上衣", "收到空盒子，里面什么都没有"],
}
# Each kind's path; a demo case stops after a random number of its moves.
PATHS = {
    Kind.REFUND_ONLY: ["approve", "refund", "close"],
    Kind.PARTIAL_REFUND: ["approve", "refund", "close"],
    Kind.RETURN: ["approve_return", "receive_return", "inspect", "refund", "close"],
    Kind.EXCHANGE: ["approve_return", "receive_return", "inspect", "reship", "close"],
    Kind.RESEND: ["approve", "reship", "close"],
}
SHIPPED = [Status.IN_TRANSIT, Status.DELIVERED, Status.INVOICED, Status.SETTLED,
           Status.ARCHIVED]


def demo_cases_create(*, count: int = 60, seed: int | None = None) -> list[Case]:
    """Open ``count`` demo cases on demo orders, spread over kinds and states."""
    rng = random.Random(seed)
    staff = demo_staff_ensure()
    shipped = list(Order.objects.filter(status__in=SHIPPED, aftersales_cases__isnull=True)
                   .order_by("?").values_list("pk", flat=True)[:count])
    waiting = list(Order.objects.filter(status__in=[Status.PAID, Status.PICKING],
                                        aftersales_cases__isnull=True)
                   .order_by("?").values_list("pk", flat=True)[:count // 5])
    made = []
    kinds = list(PATHS)
    for position, order_id in enumerate(shipped + waiting):
        kind = Kind.REFUND_ONLY if order_id in waiting else kinds[position % len(kinds)]
        with transaction.atomic():
            order = Order.objects.get(pk=order_id)
            amount = None
            if kind == Kind.PARTIAL_REFUND:
                amount = (order.paid_amount * Decimal(rng.choice(["0.1", "0.2", "0.3"]))
                          ).quantize(Decimal("0.01"))
            case = case_open(order=order, kind=kind, actor=staff["cs"],
                             buyer_words=rng.choice(WORDS[kind]), amount=amount,
                             reason=DEMO_CASE_REASON)
            steps = rng.randint(0, len(PATHS[kind]))
            if rng.random() < 0.1:
                steps, ending = 0, rng.choice(["reject", "withdraw"])
            else:
                ending = ""
            try:
                for name in PATHS[kind][:steps]:
                    actor = staff["warehouse"] if name in ("receive_return", "inspect") \
                        else staff["cs"]
                    case_transition(case=case, name=name, actor=actor,
                                    inspection=rng.choice(["good", "good", "damaged"])
                                    if name == "inspect" else "")
                if ending and case.status not in FINAL_CASE_STATUSES:
                    case_transition(case=case, name=ending, actor=staff["cs"],
                                    reason="买家已撤销申请" if ending == "withdraw"
                                    else "商品已签收超过 7 天，且影响二次销售")
            except DomainError:
                pass  # a move the order's state refuses: the case stays where it got to
        made.append(case)
    return made
