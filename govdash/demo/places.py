"""Divisions of the demo city: official districts and streets, the places the article names,
and generated communities whose names read like real ones (the snapshot is labelled demo)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to weights that add up to exactly total."""
    weights = np.asarray(weights, dtype="float64")
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype="int64")
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype("int64")
    short = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base


def community_names(
    config: dict, rng: np.random.Generator, taken: set[str]
) -> Iterator[tuple[str, str]]:
    """Unique (Chinese, English) community names from the configured stems and forms, in an
    order shuffled by the seed; past the last combination, numbered ones (幸福一村2社区)."""
    spec = config.get("community_names")
    if not spec:
        serial = 0
        while True:
            serial += 1
            yield f"示例社区{serial:04d}", f"Demo Community {serial:04d}"
    suffix_zh, suffix_en = spec["suffix"]
    pairs = [
        (stem_zh + form_zh, f"{stem_en} {form_en}".strip())
        for stem_zh, stem_en in spec["stems"]
        for form_zh, form_en in spec["forms"]
    ]
    order = rng.permutation(len(pairs))
    round_ = 1
    while True:
        for i in order:
            zh, en = pairs[int(i)]
            if round_ > 1:
                zh, en = f"{zh}{round_}", f"{en} {round_}"
            name = zh + suffix_zh
            if name in taken:
                continue
            taken.add(name)
            yield name, f"{en} {suffix_en}"
        round_ += 1


def _streets(config: dict, district: dict, named: dict) -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of a district's streets: the official ones when the
    config has a divisions file (a named street must carry its official name), else generic."""
    official = config.get("official_streets", {}).get(district["code"])
    if official is None:
        short_zh = district["name_zh"].removesuffix("区")
        return [
            (
                f"{district['code']}{s + 1:03d}",
                f"{short_zh}示例街道{s + 1:02d}",
                f"{district['name_en']} Demo Street {s + 1:02d}",
            )
            for s in range(district["streets"])
        ]
    out = []
    for code, name, name_en in official:
        entry = named.get(code)
        if entry and entry["name_zh"] != name:
            raise ValueError(
                f"named street {entry['name_zh']} has code {code}, which the official table "
                f"gives to {name}"
            )
        out.append((code, name, entry["name_en"] if entry else name_en))
    return out


def later_start(config: dict, rng: np.random.Generator) -> object:
    """A generic pilot community's own start: the first of a month drawn from the config's
    [pilots.start_months] range after the city's pilot start (the city's start without one)."""
    start = config["city"]["pilot_start"]
    spread = config.get("pilots", {}).get("start_months")
    if not spread:
        return start
    months = int(rng.integers(spread["first"], spread["last"] + 1))
    return (pd.Timestamp(start) + pd.DateOffset(months=months)).date()


def build_divisions(
    config: dict, rng: np.random.Generator, pilot_targets: dict[str, int]
) -> pd.DataFrame:
    """City, districts, streets and communities with populations and pilot flags.

    pilot_targets maps a district code to the number of pilot communities a reported fact requires.
    """
    city = config["city"]
    named = {n["code"]: n for n in config.get("named", [])}
    per_district = config.get("pilots", {}).get("per_district", 1)
    rows = [
        dict(
            code=city["code"],
            level="city",
            name_zh=city["name_zh"],
            name_en=city["name_en"],
            parent_code=None,
            population=None,
            is_pilot=True,
            pilot_start=city["pilot_start"],
        )
    ]
    taken = {n["name_zh"] for n in named.values()}
    names = community_names(config, np.random.default_rng(int(rng.integers(2**32))), taken)
    for d in config["districts"]:
        streets = _streets(config, d, named)
        n_streets, n_comms = len(streets), d["communities"]
        per_street = np.full(n_streets, n_comms // n_streets)
        per_street[: n_comms % n_streets] += 1
        weights = rng.lognormal(0.0, 0.45, n_comms)
        pops = largest_remainder(weights, d["population"])
        district_rows, comm_rows = [], []
        k = 0
        for s, (s_code, s_zh, s_en) in enumerate(streets):
            street = dict(
                code=s_code,
                level="street",
                name_zh=s_zh,
                name_en=s_en,
                parent_code=d["code"],
                population=0,
                is_pilot=False,
                pilot_start=None,
            )
            for c in range(per_street[s]):
                c_code = f"{s_code}{c + 1:03d}"
                c_named = named.get(c_code)
                zh, en = (c_named["name_zh"], c_named["name_en"]) if c_named else next(names)
                c_named = c_named or {}
                comm_rows.append(
                    dict(
                        code=c_code,
                        level="community",
                        name_zh=zh,
                        name_en=en,
                        parent_code=s_code,
                        population=int(pops[k]),
                        is_pilot=bool(c_named.get("pilot")),
                        pilot_start=city["pilot_start"] if c_named.get("pilot") else None,
                    )
                )
                street["population"] += int(pops[k])
                k += 1
            district_rows.append(street)
        # Pilot communities: the named ones, topped up with generic ones to the fact or the default.
        target = pilot_targets.get(d["code"], per_district)
        flagged = [r for r in comm_rows if r["is_pilot"]]
        if len(flagged) > target:
            raise ValueError(
                f"district {d['code']}: {len(flagged)} named pilots exceed the target {target}"
            )
        candidates = [i for i, r in enumerate(comm_rows) if not r["is_pilot"]]
        for i in rng.choice(candidates, size=target - len(flagged), replace=False):
            comm_rows[int(i)].update(is_pilot=True, pilot_start=later_start(config, rng))
        for street in district_rows:
            street["is_pilot"] = any(
                r["is_pilot"] for r in comm_rows if r["parent_code"] == street["code"]
            )
        rows.append(
            dict(
                code=d["code"],
                level="district",
                name_zh=d["name_zh"],
                name_en=d["name_en"],
                parent_code=city["code"],
                population=int(pops.sum()),
                is_pilot=True,
                pilot_start=None,
            )
        )
        rows.extend(district_rows)
        rows.extend(comm_rows)
    rows[0]["population"] = sum(r["population"] for r in rows if r["level"] == "district")
    unknown = set(named) - {r["code"] for r in rows}
    if unknown:
        raise ValueError(
            f"named places with codes that the layout does not produce: {sorted(unknown)}"
        )
    return pd.DataFrame(rows)
