"""The briefing deck: the slides of an exchange meeting (交流会), built from a snapshot's data.

A slide is a kind and the view it shows (a division code; the period comes from the view the
deck is played in). The default deck follows the running order of such a meeting: a title slide,
the city at a glance with its one-line headline, one slide per pilot district, the pilot
communities, the pilot evaluation, the reported figures checked against the data, and the targets. Which districts are
pilot districts is data (the divisions table), never a list in code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from govdash.core.data.divisions import city_code, pilot_communities

# The kinds a deck can hold, in the default running order.
KINDS = ("title", "overview", "district", "pilots", "evaluation", "facts", "targets")


@dataclass(frozen=True)
class Slide:
    """One slide: what it shows (`kind`) and where (`scope`, a division code)."""

    kind: str
    scope: str
    part: int = 0  # which page of a kind that spans several slides (the reported figures)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown slide kind {self.kind!r}")


def pilot_districts(divisions: pd.DataFrame) -> list[str]:
    """Districts with at least one pilot community, in code order."""
    districts = divisions.loc[divisions["level"] == "district", "code"]
    with_pilots = {code[:6] for code in pilot_communities(divisions)}
    return sorted(c for c in districts if c in with_pilots)


def default_deck(
    divisions: pd.DataFrame,
    *,
    has_targets: bool = True,
    facts: int = 0,
    facts_per_slide: int = 6,
) -> list[Slide]:
    """The meeting's running order for this snapshot's city; the reported figures (`facts` of
    them) take as many slides as they need at `facts_per_slide` rows each, none when there are
    none."""
    city = city_code(divisions)
    slides = [Slide("title", city), Slide("overview", city)]
    slides += [Slide("district", code) for code in pilot_districts(divisions)]
    slides.append(Slide("pilots", city))
    slides.append(Slide("evaluation", city))
    pages = -(-facts // facts_per_slide) if facts > 0 else 0
    slides += [Slide("facts", city, part) for part in range(pages)]
    if has_targets:
        slides.append(Slide("targets", city))
    return slides


def slide_number(raw: object, count: int) -> int:
    """A slide number from a link (?slide=3), 1-based and kept inside the deck; 1 when unreadable."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(count, 1))
