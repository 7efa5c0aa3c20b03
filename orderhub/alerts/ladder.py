"""The escalation ladders as one snapshot, cached per process.

Every alert raised or climbing reads its ladder (a sweep raises thousands at once), so the
ladders (``EscalationStep`` rows with their recipients) are read with two small queries and
kept for ``ORDERHUB_ALERT_LADDER_SECONDS`` (60 by default); a save, delete or change of
recipients in this process drops them at once (``orderhub.core.snapshots``).

A kind without a ladder of its own climbs the default one (kind ""); without rows at all, the
built-in ladder of DESIGN.md section 2 applies: the team lead at once, the operations
director after 30 minutes, the owner after an hour.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from orderhub.alerts.models import EscalationStep
from orderhub.core.snapshots import Snapshot


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


DEFAULT_LADDER: tuple[Rung, ...] = (
    Rung(level=1, after_minutes=0, to_team_lead=True),
    Rung(level=2, after_minutes=30),
    Rung(level=3, after_minutes=60),
)


@dataclass(frozen=True)
class Ladders:
    """Every ladder as plain values, by alert kind ("" is the default ladder)."""

    by_kind: dict[str, tuple[Rung, ...]]

    def ladder(self, kind: str) -> tuple[Rung, ...]:
        """The rungs for alerts of ``kind``: its own ladder, else the default one."""
        return self.by_kind.get(kind) or self.by_kind.get("") or DEFAULT_LADDER

    @property
    def own_kinds(self) -> list[str]:
        """The kinds that have a ladder of their own."""
        return [kind for kind in self.by_kind if kind]


def ladders_load() -> Ladders:
    """Read every ladder from the database (two small queries)."""
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
    return Ladders(by_kind={kind: tuple(found) for kind, found in rungs.items()})


_snapshot = Snapshot("alert-ladders", ladders_load, max_age_setting="ORDERHUB_ALERT_LADDER_SECONDS")
_snapshot.watch(EscalationStep, m2m=(EscalationStep.recipients.through,))


def ladders() -> Ladders:
    """The current ladders: from memory, reloaded when older than the configured age."""
    return _snapshot.get()


def ladders_clear() -> None:
    """Forget the cached ladders (after a change); the next use reloads them."""
    _snapshot.clear()
