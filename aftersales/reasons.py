"""Reasons from the buyer's own words: the phrase table, negation, several reasons at once.

The phrase table (``ReasonPhrase``, edited by operations in the admin) maps words buyers use to
a reason. :func:`classify` finds every phrase in the text (the longest first, no overlaps),
drops those that are negated ("没有破损", "不是质量问题", "质量没问题"), and when several
reasons remain the heaviest decides, then the earliest: a wrong or missing item or damage is a
cause the seller must fix even when the buyer also says they no longer want it ("发错了颜色，
不想要了" is a wrong item). With nothing in the buyer's words, the platform's own reason is read
the same way; with nothing there either, the reason is ``other``. The deciding phrases are kept
on the case so that staff see why.
"""
from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aftersales.models import ReasonCategory, ReasonPhrase

# Words just before a phrase that deny it ("没有破损", "不是发错", "并非质量问题").
_NEGATION_BEFORE = ("没有", "没", "不是", "并非", "并没有", "并没", "无", "未", "非", "不存在",
                    "也没", "都没", "倒没", "不算")
# Words just after a phrase that clear it ("质量没问题", "包装完好", "质量挺好的").
_CLEARED_AFTER = ("没问题", "没有问题", "没毛病", "挺好", "很好", "不错", "还行", "还可以",
                  "完好", "ok", "没事", "无问题", "也没问题", "过关")
# Clauses are read on their own: a negation never crosses a comma or a full stop.
_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;、\n ]")
_BEFORE_WINDOW = 4


@dataclass(frozen=True)
class Phrase:
    phrase: str
    category: str
    weight: int


@dataclass
class Classification:
    category: str
    deciding: list[str] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    negated: list[str] = field(default_factory=list)
    from_platform: bool = False

    @property
    def deciding_words(self) -> str:
        words = "、".join(self.deciding)
        return f"{words}（平台原因）" if self.from_platform and words else words


def normalise(text: str) -> str:
    """Full-width to half-width, lower case: "ＯＫ" and "ok" read alike."""
    return unicodedata.normalize("NFKC", text or "").lower()


def phrase_table() -> list[Phrase]:
    """The active phrases, longest first (one query)."""
    rows = ReasonPhrase.objects.filter(is_active=True).values_list("phrase", "category",
                                                                   "weight")
    return sorted((Phrase(normalise(p), c, w) for p, c, w in rows if p.strip()),
                  key=lambda p: -len(p.phrase))


def _negated(text: str, start: int, end: int) -> bool:
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    before = text[max(clause_start, start - _BEFORE_WINDOW):start]
    if any(before.endswith(word) or word in before[-3:] for word in _NEGATION_BEFORE):
        return True
    after = text[end:end + 6]
    after = _CLAUSE_BREAK.split(after, maxsplit=1)[0]
    return any(after.lstrip("的也都").startswith(word) for word in _CLEARED_AFTER)


def _matches(text: str, table: Sequence[Phrase]) -> list[tuple[int, int, Phrase]]:
    taken = [False] * len(text)
    found = []
    for phrase in table:  # longest first: "不想要" before "想要", "没收到货" before "收到"
        start = text.find(phrase.phrase)
        while start != -1:
            end = start + len(phrase.phrase)
            if not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                found.append((start, end, phrase))
            start = text.find(phrase.phrase, end)
    return sorted(found, key=lambda m: m[0])


def classify_text(text: str, table: Sequence[Phrase]) -> Classification | None:
    """The reason in ``text``, or ``None`` when no phrase of the table is (un-negated) in it."""
    text = normalise(text)
    weights: dict[str, int] = {}
    first_at: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    negated = []
    for start, end, phrase in _matches(text, table):
        if _negated(text, start, end):
            negated.append(phrase.phrase)
            continue
        found.setdefault(phrase.category, []).append(phrase.phrase)
        weights[phrase.category] = max(weights.get(phrase.category, 0), phrase.weight)
        first_at.setdefault(phrase.category, start)
    if not found:
        return None
    best = min(found, key=lambda c: (-weights[c], first_at[c]))
    return Classification(best, found[best], found, negated)


def classify(buyer_words: str, platform_reason: str = "",
             table: Iterable[Phrase] | None = None) -> Classification:
    """The reason of a case: from the buyer's words, else the platform's reason, else other."""
    table = list(table) if table is not None else phrase_table()
    result = classify_text(buyer_words, table)
    if result is not None:
        return result
    result = classify_text(platform_reason, table)
    if result is not None:
        result.from_platform = True
        return result
    return Classification(ReasonCategory.OTHER)


def default_table() -> list[Phrase]:
    """The table a fresh hub starts with (installed by the data migration), without a database:
    for the benchmark and the tests of the classifier itself."""
    migration = importlib.import_module("aftersales.migrations.0002_phrases_and_sweep")
    return sorted((Phrase(normalise(word), category, weight)
                   for category, (weight, words) in migration.PHRASES.items()
                   for word in words.split()), key=lambda p: -len(p.phrase))
