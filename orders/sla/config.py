"""The deadline policies as one snapshot, cached per process.

A due time is computed for every order created or moved (thousands a second on a peak day), so
it must not query. The snapshot (SLA steps, ship-by promises, traffic-light thresholds and the channels
whose platform may fulfil orders itself) is
loaded with four small queries and kept for ``ORDERHUB_DEADLINE_CONFIG_SECONDS`` (60 by
default): a change made in another process is seen within that time; in this process a save or
delete drops it at once (``orderhub.core.snapshots``). The escalation ladders are the alerts
app's, cached the same way (``orderhub.alerts.ladder``).

Built-in defaults (DESIGN.md section 2) apply where the database has no default row, e.g. on a
database created without the migrations' data: a deleted default comes back with its built-in
value, an inactive one switches the step off.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from orderhub.alerts.models import Team
from orderhub.core.snapshots import Snapshot
from orders.models import (
    SLA_STEP_STATUS,
    Channel,
    ShipByPromise,
    SlaPolicy,
    SlaStep,
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


DEFAULT_PROMISE = Promise(hours=48, urgent_hours=12)
# The alert kinds of the two breaches (a stay past its SLA, a promise not kept).
SLA_KIND = "sla"
SHIP_BY_KIND = "ship_by"
#: Platforms that fulfil some orders from their own warehouses (Amazon's AFN, tagged
#: ``fulfilled_by_channel`` by the adapter): only their orders need the exemption's look-up.
SELF_FULFILLING_PLATFORMS = frozenset({Channel.Platform.AMAZON})


@dataclass
class DeadlineConfig:
    """Every deadline rule as plain values; ``allowance`` answers from memory."""

    steps: dict[tuple[str, int | None], StepRule]
    promises: dict[int | None, Promise | None]
    yellow: dt.timedelta
    red: dt.timedelta
    #: Channels on a platform that may fulfil orders itself (``orders.sla.exemptions``).
    self_fulfilling_channels: frozenset[int] = frozenset()
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

    def with_step(
        self, *, step: str, channel_id: int | None, minutes: int, team: str, active: bool
    ) -> DeadlineConfig:
        """This configuration with one step's rule replaced (for rehearsals)."""
        steps = {**self.steps, (step, channel_id): StepRule(minutes, team, active)}
        return dataclasses.replace(self, steps=steps, _allowances={})


def load_config() -> DeadlineConfig:
    """Read every rule from the database (four small queries)."""
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
    return DeadlineConfig(
        steps=steps,
        promises=promises,
        yellow=dt.timedelta(hours=float(lights.yellow_hours if lights else DEFAULT_YELLOW_HOURS)),
        red=dt.timedelta(hours=float(lights.red_hours if lights else DEFAULT_RED_HOURS)),
        self_fulfilling_channels=frozenset(
            Channel.objects.filter(platform__in=SELF_FULFILLING_PLATFORMS)
            .values_list("pk", flat=True)),
    )


# --- the per-process cache ----------------------------------------------------------------------
_snapshot = Snapshot("deadline-config", load_config,
                     max_age_setting="ORDERHUB_DEADLINE_CONFIG_SECONDS")
# Channels are not watched: a shop's platform never changes, and factories and imports save
# channels often. A new Amazon shop is seen within the snapshot's age; its AFN orders lose
# their deadlines at once anyway, when the tag is put on (``exemptions``).
_snapshot.watch(SlaPolicy, ShipByPromise, TrafficLightSettings)


def deadline_config() -> DeadlineConfig:
    """The current rules: from memory, reloaded when older than the configured age."""
    return _snapshot.get()


def deadline_config_clear() -> None:
    """Forget the cached rules (after a change); the next use reloads them."""
    _snapshot.clear()
