"""The metric catalog (data/metrics.toml): ids, labels, units, definitions and aggregation kinds.

It is also the allow-list: a metric id that is not in the catalog never reaches a query.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from govdash.core.data.paths import DATA_DIR
from govdash.core.text.problems import GovdashError, Problem

CATALOG_FILE = DATA_DIR / "metrics.toml"
KINDS = ("stock", "flow", "ratio")
SOURCES = ("headcounts", "divisions", "resources", "activities", "outcomes")


@dataclass(frozen=True)
class Metric:
    """One catalog entry. For ratios, value = scale * numerator / denominator + offset."""

    id: str
    label: dict[str, str]
    unit: dict[str, str]
    kind: str
    definition: dict[str, str]
    source: str | None = None
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    offset: float = 0.0
    sensitive: bool = False
    hidden: bool = False
    time_semantics: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.label[lang]

    def unit_label(self, lang: str = "zh") -> str:
        return self.unit[lang]


@dataclass(frozen=True)
class Settings:
    """The catalog's [settings]: which metrics the pages show and the rules' parameters, typed and
    checked on load (a misspelt metric id is an error at start, not a blank chart later)."""

    baseline_months: int = 12  # the pre-pilot window response times are compared against
    response_bin_hours: int = 6  # width of a response-time histogram bin
    response_max_hours: int = 96  # the histogram's last bin starts here
    min_cell: int = 5  # sensitive values below this are not shown (govdash.core.rules.privacy)
    # A stock counts each community's latest report in this many months up to the window's end,
    # so a late or missing report does not make a community vanish from a total.
    stock_lookback_months: int = 3
    overview_kpis: tuple[str, ...] = ()
    trend_metric: str = "activities"
    ranking_metric: str = "activities"
    compare_metric: str = ""  # the metric the sidebar starts with (ranking_metric when empty)
    profile_kpis: tuple[str, ...] = ()
    beneficiary_metrics: tuple[str, ...] = ()
    employment_metrics: tuple[str, ...] = ()
    integration_metrics: tuple[str, ...] = ()
    # The measures the pilot evaluation estimates an effect on (govdash.core.evaluation.review).
    evaluation_metrics: tuple[str, ...] = ()
    activity_metrics: tuple[str, ...] = ()  # the key figures of a saved view of 服务活动
    per_10k_population: str = "population"
    headline_metrics: tuple[str, ...] = ()  # what the overview's one-line story reports
    headline_leader: str = ""  # the stock whose growth names the leading division
    # Leaders and laggards: the stock whose change since the pilot began ranks the divisions, and
    # the same per 10,000 residents (govdash.core.evaluation.movers).
    movers_metric: str = ""
    movers_per_10k: str = ""
    # 需关注: the flow whose fall for watch_falls months running puts a community on the list.
    watch_metric: str = ""
    watch_falls: int = 3

    @classmethod
    def parse(cls, raw: dict) -> Settings:
        unknown = set(raw) - {f.name for f in fields(cls)}
        if unknown:
            raise GovdashError(_setting_problem(f"unknown settings {sorted(unknown)}"))
        values = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value, default = raw[f.name], getattr(cls, f.name, None)
            if isinstance(f.default, tuple) or f.type == "tuple[str, ...]":
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    raise GovdashError(_setting_problem(f"{f.name} must be a list of metric ids"))
                value = tuple(value)
            elif not isinstance(value, type(default)) or isinstance(value, bool):
                raise GovdashError(_setting_problem(f"{f.name} = {value!r} is not {f.type}"))
            values[f.name] = value
        return cls(**values)

    def metric_ids(self) -> list[str]:
        """Every metric id the settings name, for the allow-list check."""
        single = [
            self.trend_metric,
            self.ranking_metric,
            self.compare_metric,
            self.per_10k_population,
            self.headline_leader,
            self.movers_metric,
            self.movers_per_10k,
            self.watch_metric,
        ]
        lists = (self.overview_kpis, self.profile_kpis, self.beneficiary_metrics,
                 self.employment_metrics, self.integration_metrics, self.activity_metrics,
                 self.evaluation_metrics,
                 self.headline_metrics)  # fmt: skip
        return [m for m in single if m] + [m for ids in lists for m in ids]

    @property
    def start_metric(self) -> str:
        return self.compare_metric or self.ranking_metric


def _setting_problem(text: str) -> Problem:
    return Problem("settings", text, f"指标目录设置有误：{text}", "data/metrics.toml [settings]")


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, Metric]
    settings: Settings = field(default_factory=Settings)

    def __getitem__(self, metric_id: str) -> Metric:
        return self.metrics[metric_id]

    def __contains__(self, metric_id: object) -> bool:
        return metric_id in self.metrics

    def require(self, metric_id: str) -> Metric:
        """The allow-list check: unknown ids are refused with a clear message."""
        if metric_id not in self.metrics:
            raise GovdashError(
                Problem(
                    "metric",
                    f"unknown metric {metric_id!r}",
                    f"未知指标 {metric_id!r}",
                    "data/metrics.toml",
                )
            )
        return self.metrics[metric_id]

    def visible(self) -> list[Metric]:
        return [m for m in self.metrics.values() if not m.hidden]

    def by_source(self, source: str) -> list[Metric]:
        return [m for m in self.metrics.values() if m.source == source]

    def base_metrics(self, metric_id: str) -> set[str]:
        """The stock and flow metrics a metric is computed from (itself when it is not a ratio)."""
        m = self.require(metric_id)
        if m.kind != "ratio":
            return {m.id}
        return self.base_metrics(m.numerator) | self.base_metrics(m.denominator)


def _problems(metrics: dict[str, Metric]) -> list[Problem]:
    problems = []
    for m in metrics.values():
        where = f"data/metrics.toml [metrics.{m.id}]"
        if m.kind not in KINDS:
            problems.append(
                Problem("catalog", f"unknown kind {m.kind!r}", f"未知类型 {m.kind!r}", where)
            )
        for part in ("label", "unit", "definition"):
            value = getattr(m, part)
            if not (value.get("zh") and value.get("en")):
                problems.append(
                    Problem("catalog", f"{part} needs zh and en", f"{part} 需要中英文", where)
                )
        if m.kind == "ratio":
            for side in (m.numerator, m.denominator):
                if side not in metrics:
                    problems.append(
                        Problem(
                            "catalog",
                            f"ratio refers to unknown metric {side!r}",
                            f"比率引用了未知指标 {side!r}",
                            where,
                        )
                    )
        elif m.source not in SOURCES or not m.column:
            problems.append(
                Problem(
                    "catalog",
                    "stock and flow metrics need a source and a column",
                    "存量和流量指标需要 source 和 column",
                    where,
                )
            )
    return problems


def _check_acyclic(metrics: dict[str, Metric]) -> None:
    def visit(mid: str, path: tuple[str, ...]) -> None:
        if mid in path:
            raise GovdashError(
                Problem(
                    "catalog",
                    f"ratio cycle {' -> '.join(path + (mid,))}",
                    f"比率循环引用 {' -> '.join(path + (mid,))}",
                    "data/metrics.toml",
                )
            )
        m = metrics[mid]
        if m.kind == "ratio":
            visit(m.numerator, path + (mid,))
            visit(m.denominator, path + (mid,))

    for mid in metrics:
        visit(mid, ())


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Parse and validate the catalog; any problem is a located error, not a KeyError later."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    metrics = {}
    for metric_id, spec in raw.get("metrics", {}).items():
        metrics[metric_id] = Metric(
            id=metric_id,
            label=spec.get("label", {}),
            unit=spec.get("unit", {}),
            kind=spec.get("kind", ""),
            definition=spec.get("definition", {}),
            source=spec.get("source"),
            column=spec.get("column"),
            numerator=spec.get("numerator"),
            denominator=spec.get("denominator"),
            scale=float(spec.get("scale", 1)),
            offset=float(spec.get("offset", 0)),
            sensitive=bool(spec.get("sensitive", False)),
            hidden=bool(spec.get("hidden", False)),
            time_semantics=spec.get("time_semantics", ""),
        )
    problems = _problems(metrics)
    if problems:
        raise GovdashError(problems)
    _check_acyclic(metrics)
    catalog = Catalog(metrics=metrics, settings=Settings.parse(raw.get("settings", {})))
    for metric_id in catalog.settings.metric_ids():
        catalog.require(metric_id)
    return catalog
