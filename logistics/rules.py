"""The fulfilment rules engine: the order facts a rule may test, its operators, and matching.

Why here and not in ``orders``: routing needs warehouses and their capacity, and orders never
imports logistics (the arrows run channels → orders → logistics). This module only reads; the
actions of matching rules are carried out by ``logistics.services.fulfilment`` through
``orders.services``.

Operations staff write rules in the admin as rows (``FulfilmentRule`` with its
``RuleCondition`` and ``RuleAction`` rows), never as code. A condition is ``fact operator
value``; a rule matches when all (or any) of its conditions hold. A rule without conditions
matches every order when it needs all of them and none when it needs any.

Facts are computed lazily: a fact no active rule tests costs nothing (the near-identical count
is one query, the categories one more).

The return-risk score (0–100, with its reasons in words) is the after-sales app's
(``aftersales.risk``); logistics may not import it (after-sales imports logistics), so the
after-sales app hands its scorer in when the apps are ready (``return_risk_scorer_set``). A
paid order's rules may run before the after-sales handler has stored its score: the scorer
then computes it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from logistics import texts
from logistics.models import FulfilmentRule, FulfilmentSettings, RuleCondition
from orders.models import Order, OrderLine, OrderTag, Product
from orders.money import in_yuan, rates_for
from orders.state_machine import Status

NUMBER, TEXT, SET = "number", "text", "set"

Fact, Op = RuleCondition.Fact, RuleCondition.Operator
# What kind of value each fact is: numbers compare, text matches, sets intersect.
FACT_KINDS: dict[str, str] = {
    Fact.AMOUNT: NUMBER, Fact.PROVINCE: TEXT, Fact.CITY: TEXT, Fact.CHANNEL: TEXT,
    Fact.CUSTOMER_LEVEL: TEXT, Fact.TAGS: SET, Fact.CATEGORIES: SET, Fact.SKUS: SET,
    Fact.ITEM_COUNT: NUMBER, Fact.HOUR: NUMBER, Fact.NEAR_IDENTICAL_ORDERS: NUMBER,
    Fact.RETURN_RISK: NUMBER,
}
assert set(FACT_KINDS) == set(Fact.values), "every fact needs its kind"
OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    NUMBER: (Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.IN, Op.NOT_IN),
    TEXT: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.CONTAINS),
    SET: (Op.IN, Op.NOT_IN, Op.CONTAINS),
}

# Province names as channels spell them: "新疆维吾尔自治区", "香港特别行政区", "浙江省", "Hong Kong".
_REGION_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市",
)
_PROVINCE_ALIASES = {
    "hongkong": "香港", "hk": "香港", "macau": "澳门", "macao": "澳门", "taiwan": "台湾",
    "xinjiang": "新疆", "tibet": "西藏", "xizang": "西藏", "beijing": "北京",
    "shanghai": "上海", "guangdong": "广东",
}
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")


#: Orders → {order id: (score 0–100, reasons in words)}; set by the after-sales app.
ReturnRiskScorer = Callable[[Sequence[Order]], dict[int, tuple[int, list[str]]]]
_return_risk_scorer: ReturnRiskScorer | None = None


def return_risk_scorer_set(scorer: ReturnRiskScorer | None) -> None:
    """The after-sales app's return-risk scorer, for the ``return_risk`` fact."""
    global _return_risk_scorer
    _return_risk_scorer = scorer


def normalise_place(value: str) -> str:
    """``"新疆维吾尔自治区"`` → ``"新疆"``, ``"Hong Kong"`` → ``"香港"``, ``"杭州市"`` → ``"杭州"``."""
    # Every order's province and city, under every place condition: a day's orders name a few
    # hundred places, each normalised once.
    return _normalised_place(value or "")


@lru_cache(maxsize=8192)
def _normalised_place(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    compact = re.sub(r"[\s\-_.]+", "", text).lower()
    if compact in _PROVINCE_ALIASES:
        return _PROVINCE_ALIASES[compact]
    for suffix in _REGION_SUFFIXES:
        if len(text) > len(suffix) and text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def split_values(value: str) -> list[str]:
    """A condition's list (commas, Chinese commas, 、 or semicolons), blanks dropped."""
    return [part.strip() for part in _LIST_SPLIT.split(value or "") if part.strip()]


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, AttributeError):
        raise ValueError(gettext("'%(text)s' is not a number") % {"text": text}) from None
    if not number.is_finite():
        # NaN and Infinity parse, but comparing with them raises at match time.
        raise ValueError(gettext("'%(text)s' is not a number") % {"text": text})
    return number


def condition_problem(*, fact: str, operator: str, value: str) -> str | None:
    """Why a condition cannot work (for the admin form), or ``None``."""
    if fact not in FACT_KINDS:
        return gettext("unknown order field '%(fact)s'") % {"fact": fact}
    kind = FACT_KINDS[fact]
    if operator not in OPERATORS_BY_KIND[kind]:
        allowed = "、".join(str(Op(op).label) for op in OPERATORS_BY_KIND[kind])
        shown = Op(operator).label if operator in Op.values else operator
        return gettext("'%(operator)s' does not apply to %(fact)s (use: %(allowed)s)") % {
            "operator": shown, "fact": Fact(fact).label, "allowed": allowed}
    values = split_values(value) if operator in ("in", "not_in") or kind == SET else [value]
    if not values or not any(v.strip() for v in values):
        return gettext("the value is empty")
    if kind == NUMBER:
        for item in values:
            try:
                _number(item)
            except ValueError as problem:
                return str(problem)
    return None


class OrderFacts:
    """What rules may test about one order, computed on first use.

    Deciding a batch (an ingestion's hundreds of orders), pass the batch's :class:`FactsBatch`:
    each fact is then read for the whole batch in one query the first time any order asks.
    """

    def __init__(self, order: Order, *, settings: FulfilmentSettings | None = None,
                 batch: FactsBatch | None = None) -> None:
        self.order = order
        self.settings = settings or FulfilmentSettings.current()
        self.batch = batch or FactsBatch([order], settings=self.settings)

    @cached_property
    def lines(self) -> list[OrderLine]:
        return self.batch.lines[self.order.pk]

    @property
    def amount(self) -> Decimal | None:
        """The paid amount in yuan (the rules' thresholds are yuan): an order in another
        currency at the rate finance keeps for its day; ``None`` without one, and then no
        amount condition holds (``condition_holds``)."""
        order = self.order
        day = timezone.localdate(order.paid_at or order.placed_at or timezone.now())
        return in_yuan(order.paid_amount, order.currency, day=day,
                       rates=self.batch.rates)[0]

    @property
    def province(self) -> str:
        return normalise_place(self.order.receiver_province)

    @property
    def city(self) -> str:
        return normalise_place(self.order.receiver_city)

    @property
    def channel(self) -> str:
        return self.order.channel.code

    @cached_property
    def customer_level(self) -> str:
        customer = self.order.customer
        return customer.level if customer is not None else "normal"

    @property
    def tags(self) -> set[str]:
        return self.batch.tags.get(self.order.pk, set())

    @cached_property
    def skus(self) -> set[str]:
        return {line.sku for line in self.lines if line.sku}

    @cached_property
    def categories(self) -> set[str]:
        by_product, by_sku = self.batch.categories
        found = {by_product.get(line.product_id, "") for line in self.lines if line.product_id}
        found |= {by_sku.get(sku, "") for sku in self.skus}
        return {category for category in found if category}

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def hour(self) -> int:
        return timezone.localtime(self.order.paid_at or timezone.now()).hour

    @property
    def near_identical_orders(self) -> int:
        """Orders of the same buyer with the same SKUs paid within the window, this one
        included (same customer, or the same receiver phone when there is none)."""
        return self.batch.near_identical[self.order.pk]

    @property
    def return_risk(self) -> int | None:
        """The return-risk score, ``None`` (no condition on it holds) when there is none."""
        found = self.batch.return_risks.get(self.order.pk)
        return found[0] if found is not None else None

    @property
    def return_risk_reasons(self) -> list[str]:
        found = self.batch.return_risks.get(self.order.pk)
        return found[1] if found is not None else []

    def value(self, fact: str):
        return getattr(self, fact)


class FactsBatch:
    """The facts of many orders, each kind read for all of them in one query on first use."""

    def __init__(self, orders: Sequence[Order], *, settings: FulfilmentSettings) -> None:
        self.orders = list(orders)
        self.settings = settings

    @cached_property
    def lines(self) -> dict[int, list[OrderLine]]:
        found: dict[int, list[OrderLine]] = {order.pk: [] for order in self.orders}
        for line in OrderLine.objects.filter(order_id__in=list(found)).order_by("pk"):
            found[line.order_id].append(line)
        return found

    @cached_property
    def rates(self):
        """Finance's exchange rates of the batch's foreign currencies (one query)."""
        return rates_for(currencies={order.currency for order in self.orders})

    @cached_property
    def tags(self) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        for order_id, tag in OrderTag.objects.filter(
                order_id__in=[order.pk for order in self.orders]).values_list("order_id", "tag"):
            found.setdefault(order_id, set()).add(tag)
        return found

    @cached_property
    def categories(self) -> tuple[dict[int, str], dict[str, str]]:
        """The products' categories, by product id and by SKU."""
        lines = [line for lines in self.lines.values() for line in lines]
        ids = {line.product_id for line in lines if line.product_id}
        skus = {line.sku for line in lines if line.sku}
        rows = (Product.objects.filter(pk__in=ids) | Product.objects.filter(sku__in=skus)) \
            .values_list("pk", "sku", "category")
        by_product, by_sku = {}, {}
        for pk, sku, category in rows:
            by_product[pk], by_sku[sku] = category, category
        return by_product, by_sku

    @cached_property
    def return_risks(self) -> dict[int, tuple[int, list[str]]]:
        """The batch's return-risk scores and reasons (a few grouped queries, once)."""
        if _return_risk_scorer is None:
            return {}
        return _return_risk_scorer(self.orders)

    @cached_property
    def near_identical(self) -> dict[int, int]:
        """Per order: the buyer's orders with the same basket paid within the window."""
        window = dt.timedelta(minutes=self.settings.near_identical_window_minutes)
        now = timezone.now()

        def buyer(order: Order) -> tuple[str, object]:
            if order.customer_id:
                return ("customer", order.customer_id)
            return ("phone", order.receiver_phone) if order.receiver_phone else ("", None)

        mine = [(order, buyer(order), order.paid_at or now) for order in self.orders]
        customers = {key for (kind, key) in (b for _o, b, _t in mine) if kind == "customer"}
        phones = {key for (kind, key) in (b for _o, b, _t in mine) if kind == "phone"}
        counts = {order.pk: 1 for order in self.orders}
        if not customers and not phones:
            return counts
        times = [paid_at for _o, _b, paid_at in mine]
        # Plain rows, not model instances: a batch's buyers have thousands of orders.
        others = list(
            Order.objects.filter(Q(customer_id__in=customers) | Q(receiver_phone__in=phones))
            .filter(paid_at__gte=min(times) - window, paid_at__lte=max(times) + window)
            .exclude(status__in=[Status.PENDING_PAYMENT, Status.CANCELLED])
            .values_list("pk", "customer_id", "receiver_phone", "paid_at")
        )
        baskets: dict[int, set[str]] = {}
        for order_id, sku, title in OrderLine.objects.filter(
                order_id__in=[row[0] for row in others]).values_list("order_id", "sku", "title"):
            baskets.setdefault(order_id, set()).add(sku or title)
        # The buyers' orders by buyer, each with its basket: one pass over them.
        of_buyer: dict[tuple[str, object], list[tuple[int, dt.datetime, frozenset]]] = {}
        for pk, customer_id, phone, paid_at in others:
            entry = (pk, paid_at, frozenset(baskets.get(pk, ())))
            if customer_id:
                of_buyer.setdefault(("customer", customer_id), []).append(entry)
            if phone:
                of_buyer.setdefault(("phone", phone), []).append(entry)
        for order, buyer_key, paid_at in mine:
            if not buyer_key[0]:
                continue
            basket = _basket(self.lines[order.pk])
            counts[order.pk] += sum(
                1 for pk, other_paid_at, other_basket in of_buyer.get(buyer_key, ())
                if pk != order.pk and abs(other_paid_at - paid_at) <= window
                and other_basket == basket
            )
        return counts


def _basket(lines: Iterable[OrderLine]) -> frozenset[str]:
    return frozenset(line.sku or line.title for line in lines)


def _normalised(fact: str, value: str) -> str:
    if fact in ("province", "city"):
        return normalise_place(value)
    return value.strip().lower()


def condition_holds(condition: RuleCondition, facts: OrderFacts) -> bool:
    """Whether one condition holds for the order (a condition that cannot work never holds)."""
    if condition_problem(fact=condition.fact, operator=condition.operator,
                         value=condition.value):
        return False
    kind = FACT_KINDS[condition.fact]
    seen = facts.value(condition.fact)
    op = condition.operator
    if seen is None:  # an amount without an exchange rate, an order without a score: unknown
        return False
    if kind == NUMBER:
        wanted = [_number(v) for v in split_values(condition.value)] if op in ("in", "not_in") \
            else [_number(condition.value)]
        return _compare(Decimal(seen), op, wanted)
    if kind == SET:
        have = {_normalised(condition.fact, item) for item in seen}
        wanted = {_normalised(condition.fact, v) for v in split_values(condition.value)}
        if op == "in":
            return bool(have & wanted)
        if op == "not_in":
            return not have & wanted
        return wanted <= have  # contains: every listed value
    text = _normalised(condition.fact, str(seen))
    if op in ("in", "not_in"):
        found = text in {_normalised(condition.fact, v) for v in split_values(condition.value)}
        return found if op == "in" else not found
    wanted_text = _normalised(condition.fact, condition.value)
    if op == "contains":
        return wanted_text in text
    return (text == wanted_text) if op == "eq" else (text != wanted_text)


def _compare(seen: Decimal, op: str, wanted: Sequence[Decimal]) -> bool:
    first = wanted[0]
    return {
        "eq": lambda: seen == first,
        "ne": lambda: seen != first,
        "gt": lambda: seen > first,
        "gte": lambda: seen >= first,
        "lt": lambda: seen < first,
        "lte": lambda: seen <= first,
        "in": lambda: seen in wanted,
        "not_in": lambda: seen not in wanted,
    }[op]()


def describe(condition: RuleCondition, facts: OrderFacts) -> str:
    """``"paid amount 6000.00 greater than 5000"``: what the rule saw, for staff (a stored
    text: the fact and the operator are rendered as their labels in the reader's language)."""
    seen = facts.value(condition.fact)
    if isinstance(seen, set):
        seen = ", ".join(sorted(seen)) or texts.SEEN_NOTHING.encode()
    order = facts.order
    if condition.fact == Fact.AMOUNT and order.currency not in ("", "CNY"):
        # Say how a foreign amount was compared: at finance's rate, or not at all.
        paid = f"{order.paid_amount} {order.currency}"
        seen = (texts.SEEN_CONVERTED.encode(seen=seen, paid=paid) if seen is not None
                else texts.SEEN_NO_RATE.encode(paid=paid))
    if condition.fact == Fact.RETURN_RISK and facts.return_risk_reasons:
        seen = texts.SEEN_BECAUSE.encode(seen=seen, reasons="; ".join(facts.return_risk_reasons))
    return texts.SEEN.encode(fact=Fact(condition.fact), seen=seen, op=Op(condition.operator),
                             value=condition.value)


@dataclass
class Matched:
    rule: FulfilmentRule
    seen: list[str]


def active_rules() -> list[FulfilmentRule]:
    """Active rules in the order they run, with conditions and actions (three queries)."""
    return list(
        FulfilmentRule.objects.filter(is_active=True)
        .prefetch_related("conditions", "actions__warehouse")
        .order_by("priority", "id")
    )


def matching_rules(facts: OrderFacts, rules: Sequence[FulfilmentRule]) -> list[Matched]:
    """The rules that match, in priority order, up to the first that stops processing."""
    matched: list[Matched] = []
    for rule in rules:
        conditions = list(rule.conditions.all())
        results = [(condition, condition_holds(condition, facts)) for condition in conditions]
        holds = [result for _condition, result in results]
        if rule.match == FulfilmentRule.Match.ANY:
            ok = any(holds)
        else:
            ok = all(holds)
        if not ok:
            continue
        seen = [describe(condition, facts) for condition, result in results if result]
        matched.append(Matched(rule=rule, seen=seen))
        if rule.stop_processing:
            break
    return matched


# --- trying a rule before it is saved (the admin's "try on order") ------------------------------
@dataclass
class ConditionTrial:
    condition: RuleCondition
    holds: bool
    seen: str  # what the order shows for the fact, against what the condition wants
    problem: str | None


@dataclass
class RuleTrial:
    order: Order
    matches: bool
    conditions: list[ConditionTrial]


def rule_try(*, match: str, conditions: Sequence[RuleCondition], order: Order) -> RuleTrial:
    """How a rule, as typed and not yet saved, would judge ``order``: each condition with what
    the order shows and whether it holds, and whether the rule matches (as
    :func:`matching_rules` decides). Reads only; nothing is recorded."""
    facts = OrderFacts(order)
    trials = []
    for condition in conditions:
        problem = condition_problem(fact=condition.fact, operator=condition.operator,
                                    value=condition.value)
        trials.append(ConditionTrial(
            condition=condition, holds=condition_holds(condition, facts),
            seen=describe(condition, facts) if problem is None else "", problem=problem))
    holds = [trial.holds for trial in trials]
    matches = any(holds) if match == FulfilmentRule.Match.ANY else all(holds)
    return RuleTrial(order=order, matches=matches, conditions=trials)
