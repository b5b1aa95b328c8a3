"""Divisions of the demo city: real districts, named places from the article, generic names elsewhere."""

from __future__ import annotations

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
    serial = 0
    for d in config["districts"]:
        short_zh = d["name_zh"].removesuffix("区")
        n_streets, n_comms = d["streets"], d["communities"]
        per_street = np.full(n_streets, n_comms // n_streets)
        per_street[: n_comms % n_streets] += 1
        weights = rng.lognormal(0.0, 0.45, n_comms)
        pops = largest_remainder(weights, d["population"])
        district_rows, comm_rows = [], []
        k = 0
        for s in range(n_streets):
            s_code = f"{d['code']}{s + 1:03d}"
            s_named = named.get(s_code, {})
            street = dict(
                code=s_code,
                level="street",
                name_zh=s_named.get("name_zh", f"{short_zh}示例街道{s + 1:02d}"),
                name_en=s_named.get("name_en", f"{d['name_en']} Demo Street {s + 1:02d}"),
                parent_code=d["code"],
                population=0,
                is_pilot=False,
                pilot_start=None,
            )
            for c in range(per_street[s]):
                serial += 1
                c_code = f"{s_code}{c + 1:03d}"
                c_named = named.get(c_code, {})
                comm_rows.append(
                    dict(
                        code=c_code,
                        level="community",
                        name_zh=c_named.get("name_zh", f"示例社区{serial:04d}"),
                        name_en=c_named.get("name_en", f"Demo Community {serial:04d}"),
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
            comm_rows[int(i)].update(is_pilot=True, pilot_start=city["pilot_start"])
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
