"""Tables too large to hold in memory: written to a snapshot batch by batch, checked as they pass.

A producer (the demo generator at national scale) hands write_snapshot a TableStream instead of
a pyarrow Table. Each batch gets the same checks a whole table gets (schema, nulls, negatives,
vocabularies, references), with problems located by row in the whole table. What a batch cannot
show alone is checked across batches: the sort order the row-group pruning relies on, and unique
keys, which a stream must deliver in strictly increasing order, unless its producer proved them
unique itself (a warehouse counts duplicate ids before its records are streamed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from govdash.core.data.contract import TABLES
from govdash.core.text.problems import ContractError
from govdash.core.data.checks import check_references, check_table
from govdash.core.data.files import write_batches
from govdash.core.text.problems import Problem


@dataclass
class TableStream:
    """Record batches of one contract table, in its sort order, to be consumed once."""

    batches: Iterable[pa.RecordBatch]
    # The producer proved the table's key unique (govdash.core.engine.warehouse asks the warehouse), so
    # the keys need not arrive in increasing order.
    keys_unique: bool = False


def _ascending(values: pa.Array) -> bool:
    if len(values) < 2:
        return True
    return pc.all(pc.greater_equal(values.slice(1), values.slice(0, len(values) - 1))).as_py()


def checked(
    name: str,
    stream: TableStream,
    tables: dict[str, pa.Table],
    outcome_metrics: set[str],
) -> Iterator[pa.RecordBatch]:
    """The stream's batches, each validated before it is passed on; raises ContractError (and so
    aborts the snapshot being written) at the first bad batch."""
    spec = TABLES[name]
    lead = spec.sort_by[0]
    key = spec.unique[0] if len(spec.unique) == 1 and not stream.keys_unique else None
    offset, last_lead, last_key = 0, None, None
    for batch in stream.batches:
        table = pa.Table.from_batches([batch])
        problems = check_table(name, table, row_offset=offset)
        if not problems:
            problems = check_references(
                {**tables, name: table}, outcome_metrics, only=frozenset({name}), row_offset=offset
            )
        if not problems and batch.num_rows:
            leads = batch.column(lead)
            if not _ascending(leads) or (last_lead is not None and leads[0].as_py() < last_lead):
                problems.append(
                    Problem(
                        "contract",
                        f"rows are not in {lead} order",
                        f"数据行未按 {lead} 排序",
                        f"{name}.{lead} rows {offset + 1}–{offset + batch.num_rows}",
                    )
                )
            if key:
                keys = batch.column(key)
                first = pc.min(keys).as_py()
                if last_key is not None and first <= last_key:
                    problems.append(
                        Problem(
                            "contract",
                            f"duplicate {key} across the stream",
                            f"{key} 在数据流中重复",
                            f"{name}.{key} rows {offset + 1}–{offset + batch.num_rows}",
                        )
                    )
                last_key = pc.max(keys).as_py()
            last_lead = leads[-1].as_py()
        if problems:
            raise ContractError(problems)
        offset += batch.num_rows
        yield batch


def write_stream(
    name: str,
    stream: TableStream,
    path: Path,
    tables: dict[str, pa.Table],
    outcome_metrics: set[str],
) -> int:
    """Validate and write a streamed table; returns its row count."""
    return write_batches(checked(name, stream, tables, outcome_metrics), path, TABLES[name].schema)
