"""The deadline policies as one snapshot, cached per process.

A due time is computed for every order created or moved (thousands a second on a peak day), so
it must not query. The snapshot (SLA steps, ship-by promises, traffic-light thresholds and the
escalation ladders) is loaded with a handful of small queries and kept for
``ORDERHUB_DEADLINE_CONFIG_SECONDS`` (60 by default): a change made in another process is seen
within that time; in this process a save or delete drops it at once (and again at commit, so a
snapshot read inside a rolled-back transaction does not outlive it).

Built-in defaults (DESIGN.md section 2) apply where the database has no default row, e.g. on a
database created without the migrations' data: a deleted default comes back with its built-in
value, an inactive one switches the step off.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from orders.models import (
    SLA_STEP_STATUS,
    EscalationStep,
    ShipByPromise,
    SlaPolicy,
    SlaStep,
    Team,
    TrafficLightSettings,
)

DEFAULT_STEPS: dict[str, tuple[int, str]] = {
    SlaStep.PAYMENT_CONFIRMED: (15, Team.OPERATIONS),
    SlaStep.PICKING: (120, Team.WAREHOUSE),
    SlaStep.PACKING: (60, Team.WAREHOUSE),
    SlaStep.LABEL: (3, Team.WAREHOUSE),
    SlaStep.HANDOVER: (30, Team.WAREHOUSE),
}
DEFAULT_YELLOW_HOURS = Decimal("6")
DEFAULT_RED_HOURS = Decimal("2")
# Steps of each state, in the order they happen (a state's team is its first step's).
STEPS_OF_STATUS: dict[str, tuple[str, ...]] = {}
for _step, _status in SLA_STEP_STATUS.items():
    STEPS_OF_STATUS[_status] = (*STEPS_OF_STATUS.get(_status, ()), _step)


@dataclass(frozen=True)
class StepRule:
    minutes: int
    team: str
    active: bool = True


@dataclass(frozen=True)
class Allowance:
    """How long an order may stay in a state, and whose lead hears when it does not."""

    minutes: int
    team: str

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Promise:
    hours: int
    urgent_hours: int


@dataclass(frozen=True)
class Rung:
    """One rung of a ladder (``EscalationStep`` as plain values)."""

    level: int
    after_minutes: int
    to_team_lead: bool = False
    recipient_ids: tuple[int, ...] = ()

    @property
    def after(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.after_minutes)


DEFAULT_PROMISE = Promise(hours=48, urgent_hours=12)
DEFAULT_LADDER: tuple[Rung, ...] = (
    Rung(level=1, after_minutes=0, to_team_lead=True),
    Rung(level=2, after_minutes=30),
    Rung(level=3, after_minutes=60),
)


@dataclass
class DeadlineConfig:
    """Every deadline rule as plain values; ``allowance`` answers from memory."""

    steps: dict[tuple[str, int | None], StepRule]
    promises: dict[int | None, Promise | None]
    yellow: dt.timedelta
    red: dt.timedelta
    ladders: dict[str, tuple[Rung, ...]]
    _allowances: dict[tuple[str, int | None], Allowance | None] = field(
        default_factory=dict, repr=False
    )

    def step_rule(self, step: str, channel_id: int | None) -> StepRule | None:
        """The rule in force for one step on one channel: its override, else the default."""
        rule = self.steps.get((step, channel_id)) if channel_id is not None else None
        if rule is None:
            rule = self.steps.get((step, None))
        if rule is None and step in DEFAULT_STEPS:
            minutes, team = DEFAULT_STEPS[step]
            rule = StepRule(minutes=minutes, team=team)
        return rule if rule is not None and rule.active else None

    def allowance(self, status: str, channel_id: int | None) -> Allowance | None:
        """The time allowed in ``status`` on the channel; ``None`` when the state has no SLA."""
        key = (status, channel_id)
        if key not in self._allowances:
            rules = [
                rule for step in STEPS_OF_STATUS.get(status, ())
                if (rule := self.step_rule(step, channel_id)) is not None
            ]
            self._allowances[key] = (
                Allowance(sum(rule.minutes for rule in rules), rules[0].team) if rules else None
            )
        return self._allowances[key]

    def promise(self, channel_id: int | None) -> Promise | None:
        if channel_id in self.promises:
            return self.promises[channel_id]
        return self.promises.get(None, DEFAULT_PROMISE)

    def ladder(self, kind: str) -> tuple[Rung, ...]:
        """The rungs for alerts of ``kind``: its own ladder, else the default one."""
        return self.ladders.get(kind) or self.ladders.get("") or DEFAULT_LADDER

    def with_step(
        self, *, step: str, channel_id: int | None, minutes: int, team: str, active: bool
    ) -> DeadlineConfig:
        """This configuration with one step's rule replaced (for rehearsals)."""
        steps = {**self.steps, (step, channel_id): StepRule(minutes, team, active)}
        return dataclasses.replace(self, steps=steps, _allowances={})


def load_config() -> DeadlineConfig:
    """Read every rule from the database (five small queries)."""
    steps = {
        (policy.step, policy.channel_id): StepRule(policy.minutes, policy.team, policy.is_active)
        for policy in SlaPolicy.objects.all()
    }
    promises: dict[int | None, Promise | None] = {
        promise.channel_id: (
            Promise(promise.hours, promise.urgent_hours) if promise.is_active else None
        )
        for promise in ShipByPromise.objects.all()
    }
    lights = TrafficLightSettings.objects.order_by("pk").first()
    rungs: dict[str, list[Rung]] = defaultdict(list)
    recipients: dict[int, list[int]] = defaultdict(list)
    through = EscalationStep.recipients.through
    for step_id, target_id in through.objects.values_list("escalationstep_id", "notificationtarget_id"):
        recipients[step_id].append(target_id)
    for step in EscalationStep.objects.order_by("kind", "level"):
        rungs[step.kind].append(
            Rung(step.level, step.after_minutes, step.to_team_lead,
                 tuple(sorted(recipients[step.pk])))
        )
    return DeadlineConfig(
        steps=steps,
        promises=promises,
        yellow=dt.timedelta(hours=float(lights.yellow_hours if lights else DEFAULT_YELLOW_HOURS)),
        red=dt.timedelta(hours=float(lights.red_hours if lights else DEFAULT_RED_HOURS)),
        ladders={kind: tuple(found) for kind, found in rungs.items()},
    )


# --- the per-process cache ----------------------------------------------------------------------
_lock = threading.Lock()
_cached: DeadlineConfig | None = None
_loaded_at = 0.0


def _max_age() -> float:
    return float(getattr(settings, "ORDERHUB_DEADLINE_CONFIG_SECONDS", 60))


def deadline_config() -> DeadlineConfig:
    """The current rules: from memory, reloaded when older than the configured age."""
    global _cached, _loaded_at
    config = _cached
    if config is not None and time.monotonic() - _loaded_at < _max_age():
        return config
    config = load_config()
    with _lock:
        _cached, _loaded_at = config, time.monotonic()
    return config


def deadline_config_clear() -> None:
    """Forget the cached rules (after a change); the next use reloads them."""
    global _cached
    with _lock:
        _cached = None


def _rules_changed(**kwargs) -> None:
    deadline_config_clear()
    transaction.on_commit(deadline_config_clear)


# Infrastructure signals only: they keep the cache true to the tables it copies.
for _model in (SlaPolicy, ShipByPromise, TrafficLightSettings, EscalationStep):
    post_save.connect(_rules_changed, sender=_model, dispatch_uid=f"sla-config-{_model.__name__}")
    post_delete.connect(_rules_changed, sender=_model, dispatch_uid=f"sla-config-del-{_model.__name__}")
m2m_changed.connect(
    _rules_changed, sender=EscalationStep.recipients.through, dispatch_uid="sla-config-recipients"
)
