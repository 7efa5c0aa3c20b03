"""What each role's workbench shows, as the apps register it.

Three kinds of entries, each with the roles that see it and the permission needed to open
what it links to (a role that a seller narrowed in the admin loses the tile with the list):

- :class:`Tile`: one count of work waiting ("to pick: 37"), linking to the filtered admin list
  that holds exactly those rows;
- :class:`Breakdown`: rows of the exception centre (stuck orders by reason), each a count and a
  link; the centre shows every breakdown's rows, largest first;
- :class:`Feed`: a short list of items for the role (the open alerts addressed to it); its
  callable receives the roles, so that it can pick what is addressed to them;
- :class:`Scorecard`: figures of a recent period against the period before (the manager's
  health figures), each linking to the page that explains it. Its callable must read
  maintained aggregates, never scan orders.

Counts must be cheap at a million orders: a count over an index, capped at :data:`COUNT_CAP`
(:func:`capped_count`), never a scan of the order table. Register from ``<app>/workbench.py``
with :func:`register`; keys are unique, so a module imported twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orderhub.core.roles import ROLE_NAMES

# The workbench is for the back office; integrators only use the API.
STAFF_ROLES: tuple[str, ...] = tuple(name for name in ROLE_NAMES if name != "integrator")
ROLE_LABELS = {
    "customer_service": _("Customer service"), "warehouse": _("Warehouse"),
    "operations": _("Operations"), "finance": _("Finance"), "manager": _("Manager"),
}
# Beyond this a count says "10,000+": the exact figure changes nothing on a to-do list and
# would cost a count over every matching row.
COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """``min(count, cap + 1)``: counts at most ``cap + 1`` rows."""
    return queryset[: cap + 1].count()


@dataclass(frozen=True)
class Row:
    """One line of a breakdown or a feed."""

    label: str
    url: str = ""
    count: int | None = None
    note: str = ""
    tone: str = ""  # "", "warning" or "danger": how loud the row is


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: Callable[[], int]
    url: Callable[[], str]
    roles: frozenset[str]
    permission: str
    help: str = ""
    tone: str = ""  # "warning" or "danger" when a non-zero count is a problem
    position: int = 100


@dataclass(frozen=True)
class Breakdown:
    key: str
    rows: Callable[[], list[Row]]
    roles: frozenset[str]
    permission: str


@dataclass(frozen=True)
class Feed:
    key: str
    title: str
    items: Callable[[frozenset[str]], list[Row]]
    roles: frozenset[str]
    permission: str
    more_url: Callable[[frozenset[str]], str] | None = None
    total: Callable[[frozenset[str]], int] | None = None
    position: int = 100
    empty: str = ""


@dataclass(frozen=True)
class Measure:
    """One figure of a scorecard: its value now and in the period before, as shown."""

    code: str
    label: str
    current: str
    previous: str
    url: str
    help: str = ""
    # "better", "worse" or "" (unchanged, or nothing to compare): how the change reads.
    trend: str = ""
    arrow: str = ""  # "▲", "▼" or ""
    indent: bool = False  # a part of the figure above it


@dataclass(frozen=True)
class Scores:
    caption: str           # the two periods in words
    current_label: str     # the columns' headings
    previous_label: str
    measures: list[Measure]
    more_url: str = ""


@dataclass(frozen=True)
class Scorecard:
    key: str
    title: str
    scores: Callable[[], Scores]
    roles: frozenset[str]
    permission: str
    position: int = 100


Entry = Tile | Breakdown | Feed | Scorecard


@dataclass
class Registry:
    entries: dict[str, Entry] = field(default_factory=dict)

    def register(self, entry: Entry) -> Entry:
        unknown = set(entry.roles) - set(STAFF_ROLES)
        if unknown:
            raise LookupError(f"workbench entry {entry.key!r} names unknown roles {sorted(unknown)}")
        self.entries[entry.key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self.entries.pop(key, None)

    def of_kind(self, kind: type) -> list:
        return [entry for entry in self.entries.values() if isinstance(entry, kind)]


registry = Registry()


def register(entry: Entry) -> Entry:
    """Add (or replace) one entry of the workbench."""
    return registry.register(entry)


def roles(*names: str) -> frozenset[str]:
    """The roles that see an entry; the manager sees everything, so it is always among them."""
    return frozenset(names) | {"manager"}


def user_roles(user) -> frozenset[str]:
    """The staff roles the user is in (its groups); a superuser reads the manager's bench."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    found = frozenset(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
    return found | ({"manager"} if user.is_superuser else set())


def visible_entries(entries: Iterable[Entry], user, role_set: frozenset[str]) -> list:
    return [entry for entry in entries
            if entry.roles & role_set and user.has_perm(entry.permission)]
