"""Reason classification on the labelled buyer sentences: accuracy and the confusion table.

    .venv/bin/python -m bench.aftersales_reasons [--live]

Classifies every sentence of ``tests/aftersales/labelled_reasons.py`` (written for the tests:
varied wording, typos, several reasons and negations in one sentence) with the phrase table a
fresh hub starts with (``--live``: the table in the database of ``DATABASE_URL``, as staff
edited it), prints the accuracy against the target (≥ 90 %), the confusion table (rows: the
label, columns: the answer) and the sentences it gets wrong. As a reference it also scores the
obvious way, the first phrase found deciding with no negation and no weights, on the same
table, and prints the difference. No database is needed without ``--live``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")

import django  # noqa: E402

django.setup()

from aftersales.models import ReasonCategory  # noqa: E402
from aftersales.reasons import Phrase, classify, default_table, normalise, phrase_table  # noqa: E402
from tests.aftersales.labelled_reasons import LABELLED  # noqa: E402

TARGET = 0.90
SHORT = {"wrong_item": "wrong", "missing_item": "missing", "damaged": "damaged",
         "quality": "quality", "not_as_described": "not_desc", "no_longer_wanted": "unwanted",
         "other": "other"}


def first_phrase(sentence: str, table: list[Phrase]) -> str:
    """The obvious way: the earliest phrase in the sentence decides, negation ignored."""
    text = normalise(sentence)
    hits = [(text.find(p.phrase), p.category) for p in table if p.phrase in text]
    return min(hits)[1] if hits else ReasonCategory.OTHER


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--live", action="store_true", help="the database's phrase table")
    args = parser.parse_args()
    table = phrase_table() if args.live else default_table()
    started = time.perf_counter()
    answers = [(sentence, label, classify(sentence, "", table).category)
               for sentence, label in LABELLED]
    elapsed = time.perf_counter() - started
    right = sum(1 for _, label, got in answers if got == label)
    naive = sum(1 for sentence, label in LABELLED if first_phrase(sentence, table) == label)
    accuracy, reference = right / len(answers), naive / len(LABELLED)
    labels = list(ReasonCategory.values)
    confusion = Counter((label, got) for _, label, got in answers)
    print(f"Labelled sentences: {len(answers)} ({len(table)} phrases, "
          f"{'live table' if args.live else 'default table'})")
    print(f"Accuracy: {right}/{len(answers)} = {accuracy:.1%}  (target >= {TARGET:.0%}: "
          f"{'PASS' if accuracy >= TARGET else 'FAIL'})")
    print(f"Reference, first phrase wins (no negation, no weights): {naive}/{len(LABELLED)} = "
          f"{reference:.1%}; difference {100 * (accuracy - reference):+.1f} points")
    print(f"Time: {1000 * elapsed / len(answers):.3f} ms per sentence")
    print()
    print("Confusion (rows: label, columns: answer)")
    print(f"{'':>10}" + "".join(f"{SHORT[c]:>10}" for c in labels) + f"{'recall':>9}")
    for label in labels:
        row = [confusion[(label, got)] for got in labels]
        total = sum(row)
        recall = f"{row[labels.index(label)] / total:.0%}" if total else "-"
        print(f"{SHORT[label]:>10}" + "".join(f"{n:>10}" for n in row) + f"{recall:>9}")
    print()
    wrong = [(s, l, g) for s, l, g in answers if g != l]
    if wrong:
        print("Wrong:")
        for sentence, label, got in wrong:
            print(f"  {SHORT[label]:>9} -> {SHORT[got]:<9} {sentence}")
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
