"""The scale benchmark's correctness, at test scale: its peers give the answers govdash gives.

bench/scale_bench.py asserts the same at 1M and 10M rows and times it; here, with no timing,
the questions of its five interactions are asked of govdash, pandas and polars on the test
snapshot, and a deliberately wrong peer must be caught.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import peers  # noqa: E402
import scale_bench  # noqa: E402


@pytest.fixture(scope="module")
def questions(snapshot) -> list:
    spec = scale_bench.interactions(snapshot.path)
    first = dt.date.fromisoformat(spec["first_month"])
    assert [i["name"] for i in spec["interactions"]] == [
        "open", "district", "community", "period", "category",
    ]  # fmt: skip
    return [peers.Question(i, first, spec["bin_hours"], spec["max_hours"])
            for i in spec["interactions"]]  # fmt: skip


@pytest.fixture(scope="module")
def answers(snapshot, questions) -> dict:
    out = {}
    for engine in ("govdash", "pandas", "polars"):
        answerer = peers.ENGINES[engine](snapshot.path)
        out[engine] = {q.name: answerer.answer(q) for q in questions}
    return out


def test_every_engine_gives_the_same_answers(answers):
    for interaction, questions in answers["govdash"].items():
        for question, rows in questions.items():
            assert rows, f"{interaction}/{question} is empty: the comparison would prove nothing"
    assert peers.same(answers["govdash"], answers["pandas"]) == []
    assert peers.same(answers["govdash"], answers["polars"]) == []


def test_a_wrong_answer_is_caught(answers):
    wrong = {i: dict(q) for i, q in answers["pandas"].items()}
    first = wrong["district"]["rank"][0]
    wrong["district"]["rank"] = [
        [first[0], first[1] + 1, *first[2:]],
        *wrong["district"]["rank"][1:],
    ]
    assert peers.same(answers["govdash"], wrong) != []
    wrong["district"]["rank"] = wrong["district"]["rank"][1:]
    assert peers.same(answers["govdash"], wrong) != []
