"""The signed-in user's workbench, computed from the registry (one count query per tile)."""
from __future__ import annotations

from dataclasses import dataclass, field

from orderhub.workbench.registry import (
    COUNT_CAP,
    ROLE_LABELS,
    STAFF_ROLES,
    Breakdown,
    Feed,
    Row,
    Scorecard,
    Scores,
    Tile,
    visible_entries,
    registry,
    user_roles,
)


@dataclass(frozen=True)
class TileFigure:
    tile: Tile
    count: int
    url: str

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown(self) -> int:
        return min(self.count, COUNT_CAP)

    @property
    def tone(self) -> str:
        return self.tile.tone if self.count else "quiet"


@dataclass(frozen=True)
class FeedItems:
    feed: Feed
    rows: list[Row]
    more_url: str
    total: int | None

    @property
    def capped(self) -> bool:
        return self.total is not None and self.total > COUNT_CAP


@dataclass(frozen=True)
class Workbench:
    roles: frozenset[str]
    tiles: list[TileFigure]
    exceptions: list[Row]
    feeds: list[FeedItems]
    has_exception_centre: bool
    scorecards: list[tuple[Scorecard, Scores]] = field(default_factory=list)

    @property
    def role_labels(self) -> list[dict]:
        return [{"code": role, "label": ROLE_LABELS[role]}
                for role in STAFF_ROLES if role in self.roles]


def workbench_for(user) -> Workbench:
    """What waits for this user's roles: tiles, the exception centre and the feeds."""
    role_set = user_roles(user)
    tiles = sorted(visible_entries(registry.of_kind(Tile), user, role_set),
                   key=lambda tile: (tile.position, tile.key))
    breakdowns = visible_entries(registry.of_kind(Breakdown), user, role_set)
    feeds = sorted(visible_entries(registry.of_kind(Feed), user, role_set),
                   key=lambda feed: (feed.position, feed.key))
    exceptions = [row for breakdown in breakdowns for row in breakdown.rows() if row.count]
    exceptions.sort(key=lambda row: (-(row.count or 0), row.label))
    scorecards = sorted(visible_entries(registry.of_kind(Scorecard), user, role_set),
                        key=lambda card: (card.position, card.key))
    return Workbench(
        roles=role_set,
        tiles=[TileFigure(tile=tile, count=tile.count(), url=tile.url()) for tile in tiles],
        exceptions=exceptions,
        feeds=[FeedItems(feed=feed, rows=feed.items(role_set),
                         more_url=feed.more_url(role_set) if feed.more_url else "",
                         total=feed.total(role_set) if feed.total else None)
               for feed in feeds],
        has_exception_centre=bool(breakdowns),
        scorecards=[(card, card.scores()) for card in scorecards],
    )
