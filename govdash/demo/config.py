"""The demo city's description (data/demo/wuhan.toml): nothing city-specific lives in code."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from govdash.core.data.paths import DATA_DIR
from govdash.demo.places import largest_remainder

DEMO_CONFIG = DATA_DIR / "demo" / "wuhan.toml"


OFFICIAL_COLUMNS = ("code", "level", "name", "parent_code")


def load_demo_config(path: Path = DEMO_CONFIG) -> dict:
    """The demo city's description; with `divisions_file`, each district's official streets
    (config["official_streets"][district code] = [(code, name), …]) and their number."""
    with open(path, "rb") as fh:
        config = tomllib.load(fh)
    for key in ("city", "districts", "generator"):
        if key not in config:
            raise ValueError(f"{path}: missing [{key}]")
    official = config["city"].get("divisions_file")
    if official:
        english = config["city"].get("english_names_file")
        streets = official_streets(DATA_DIR / official, DATA_DIR / english if english else None)
        config["official_streets"] = streets
        for district in config["districts"]:
            if district["code"] not in streets:
                raise ValueError(f"{official}: no streets under district {district['code']}")
            district["streets"] = len(streets[district["code"]])
    return config


def official_streets(
    path: Path, english: Path | None = None
) -> dict[str, list[tuple[str, str, str]]]:
    """{district code: [(street code, name, English name), …] in code order} from an official
    table; the English name comes from `english` (code, name_en), else it is the Chinese one."""
    import pandas as pd

    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in OFFICIAL_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}")
    names_en: dict[str, str] = {}
    if english is not None:
        names = pd.read_csv(english, dtype=str, keep_default_na=False)
        names_en = dict(zip(names["code"], names["name_en"], strict=True))
    streets = table[table["level"] == "street"].sort_values("code")
    out: dict[str, list[tuple[str, str, str]]] = {}
    for code, name, parent in zip(
        streets["code"], streets["name"], streets["parent_code"], strict=True
    ):
        out.setdefault(parent, []).append((code, name, names_en.get(code) or name))
    return out


def months(config: dict) -> list:
    """First days of the covered months, ending with the as-of month."""
    import pandas as pd

    as_of = pd.Timestamp(config["city"]["as_of"])
    end = as_of.to_period("M")
    return [
        p.to_timestamp().date()
        for p in pd.period_range(end=end, periods=config["city"]["months"], freq="M")
    ]


def scaled(config: dict, *, communities: int | None = None, months: int | None = None) -> dict:
    """The same city at another size: `communities` in all, shared out over the districts in
    proportion to their configured counts (streets keep their number), and `months` of history.
    For building national-scale demos from a city's description."""
    out = dict(config, city=dict(config["city"]), districts=[dict(d) for d in config["districts"]])
    if months is not None:
        if months < 1:
            raise ValueError("months must be at least 1")
        out["city"]["months"] = months
    if communities is not None:
        streets = sum(d["streets"] for d in out["districts"])
        if communities < streets:
            raise ValueError(f"communities must be at least the number of streets ({streets})")
        weights = np.array([d["communities"] for d in out["districts"]], dtype="float64")
        shares = largest_remainder(weights, communities)
        for district, n in zip(out["districts"], shares, strict=True):
            district["communities"] = max(int(n), district["streets"])
    return out
