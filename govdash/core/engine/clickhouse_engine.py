"""Build rollups on ClickHouse: in-process through chdb, or on a server or cluster through
clickhouse-connect (GOVDASH_CLICKHOUSE_URL).

The SQL stays in queries/. A query runs as its DuckDB file unless queries/clickhouse/<name>.sql
holds a ClickHouse variant (only where the dialects differ; tests/test_engines.py proves each
variant and each unchanged file equal on both engines). Two fix-ups turn a file into ClickHouse SQL,
and nothing else is rewritten:

- `read_parquet($<table>_parquet)`, the one way a query names a table, becomes the table's source:
  `file({<table>_parquet:String}, 'Parquet')` for a snapshot's Parquet file, or
  `{<table>_database:Identifier}.{<table>_table:Identifier}` for a warehouse table named in
  GOVDASH_CLICKHOUSE_TABLES
  (e.g. `activities=province.activities`), or a session's temporary copy of a snapshot table when
  the server cannot read the builder's files;
- every other `$name` becomes a typed ClickHouse parameter `{name:Type}`, its type taken from the
  Python value.

So values stay bound parameters on both engines and no user text ever becomes SQL.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from govdash.core.data.contract import TABLES
from govdash.core.data.paths import QUERIES_DIR
from govdash.core.engine.query import (
    PARAM,
    TABLE_PARAM_SUFFIX,
    Query,
    Tables,
    load_query,
    strip_comments,
)
from govdash.core.text.problems import GovdashError, Problem

CLICKHOUSE_DIR = QUERIES_DIR / "clickhouse"
URL_ENV = "GOVDASH_CLICKHOUSE_URL"
# chdb's own data folder, for warehouse tables kept on this machine (in memory when unset).
CHDB_PATH_ENV = "GOVDASH_CHDB_PATH"
# Threads of each build query (ClickHouse's max_threads; every core when unset): a build machine
# that also serves the dashboard can leave it cores.
THREADS_ENV = "GOVDASH_CLICKHOUSE_THREADS"
TABLES_ENV = "GOVDASH_CLICKHOUSE_TABLES"
READ_TABLE = re.compile(r"read_parquet\(\s*\$([a-z_]+)" + TABLE_PARAM_SUFFIX + r"\s*\)")
# A warehouse table's name: database.table, plain identifiers only.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# Settings every build query runs with. join_use_nulls: an outer join's missing side is NULL, as
# in standard SQL and DuckDB (ClickHouse's default fills in 0 and ''). The spill thresholds bound
# a build's memory like DuckDB's memory_limit: larger aggregations and sorts go to disk.
SETTINGS = {
    "join_use_nulls": 1,
    "max_bytes_before_external_group_by": 2 * 1024**3,
    "max_bytes_before_external_sort": 2 * 1024**3,
}
# Rows per insert when a snapshot table is copied to a server.
COPY_ROWS = 1_000_000
# Arrow type of a snapshot column -> ClickHouse type, for the temporary copies a server reads.
CLICKHOUSE_TYPES = {
    pa.int64(): "Int64",
    pa.int32(): "Int32",
    pa.float64(): "Float64",
    pa.bool_(): "Bool",
    pa.string(): "String",
    pa.large_string(): "String",
    pa.date32(): "Date32",
}


def _problem(en: str, zh: str) -> GovdashError:
    return GovdashError(Problem("clickhouse", en, zh))


def clickhouse_query(name: str) -> Query:
    """The query's ClickHouse variant when there is one, else its DuckDB file."""
    if (CLICKHOUSE_DIR / f"{name}.sql").is_file():
        return load_query(name, CLICKHOUSE_DIR)
    return load_query(name)


def _type_of(name: str, value: object) -> str:
    """The ClickHouse type a bound Python value is declared with."""
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "Date32"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "Array(String)"
    raise TypeError(f"parameter ${name}: no ClickHouse type for {type(value).__name__}")


def _text(value: object) -> object:
    """A value as chdb takes it (clickhouse-connect takes the same text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        quoted = ("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in value)
        return "[" + ",".join(quoted) + "]"
    return value


@dataclass(frozen=True)
class Source:
    """Where the engine reads one source table: the snapshot's Parquet file, a warehouse table,
    or a temporary copy made for this build."""

    kind: str  # "file" | "table"
    where: str


def warehouse_tables(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """GOVDASH_CLICKHOUSE_TABLES as {contract table: database.table}; a wrong entry is a located
    error naming the entry."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    for i, entry in enumerate(
        filter(None, (e.strip() for e in env.get(TABLES_ENV, "").split(",")))
    ):
        table, _, name = (part.strip() for part in entry.partition("="))
        if table not in TABLES or not IDENTIFIER.match(name):
            raise _problem(
                f"{TABLES_ENV} › entry {i + 1} {entry!r}: expected <table>=<database.table> with "
                f"<table> one of {', '.join(sorted(TABLES))}",
                f"{TABLES_ENV} › 第{i + 1}项 {entry!r}：应为 <表>=<库.表>，<表> 为 {'、'.join(sorted(TABLES))} 之一",
            )
        found[table] = name
    return found


def translate(
    query: Query, tables: Tables, sources: Mapping[str, Source], params: dict
) -> tuple[str, dict]:
    """ClickHouse SQL and its bound values for a query file (see the module's docstring)."""
    unknown = set(params) - set(query.value_params)
    missing = set(query.value_params) - set(params)
    if unknown or missing:
        raise TypeError(
            f"query {query.name}: unknown parameters {sorted(unknown)}, missing {sorted(missing)}"
        )
    bound: dict[str, object] = {}

    def table(match: re.Match) -> str:
        name = match.group(1)
        source = sources.get(name) or Source("file", str(tables.table_path(name)))
        if source.kind == "table":  # ClickHouse quotes one Identifier whole: bind db and table
            database, _, table_name = source.where.rpartition(".")
            bound[f"{name}_table"] = table_name
            if not database:
                return f"{{{name}_table:Identifier}}"
            bound[f"{name}_database"] = database
            return f"{{{name}_database:Identifier}}.{{{name}_table:Identifier}}"
        bound[f"{name}{TABLE_PARAM_SUFFIX}"] = source.where
        return f"file({{{name}{TABLE_PARAM_SUFFIX}:String}}, 'Parquet')"

    sql = READ_TABLE.sub(table, strip_comments(query.sql))
    if "read_parquet(" in sql:
        raise ValueError(f"query {query.name}: read_parquet of something other than one table")

    def value(match: re.Match) -> str:
        name = match.group(1)
        bound[name] = _text(params[name])
        return f"{{{name}:{_type_of(name, params[name])}}}"

    return PARAM.sub(value, sql), bound


class ChdbClient:
    """ClickHouse in this process (chdb). One session per engine: chdb allows one at a time."""

    def __init__(self, path: str | None = None, settings: Mapping[str, int] = SETTINGS) -> None:
        from chdb import session

        self.session = session.Session(path or None)
        for key, value in settings.items():  # our own names and whole numbers, never user text
            self.session.query(f"SET {key} = {int(value)}")

    def stream(self, sql: str, params: dict, batch_rows: int) -> Iterator[pa.RecordBatch]:
        result = self.session.send_query(sql, "Arrow", params=params)
        try:
            yield from result.record_batch(batch_rows)
        finally:
            result.close()

    def command(self, sql: str) -> None:
        self.session.query(sql)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        with self.session.send_insert(f"INSERT INTO {table}", "ArrowStream") as inserter:
            inserter.append(sink.getvalue())
            inserter.finish()

    def close(self) -> None:
        self.session.close()


class ServerClient:
    """A ClickHouse server or cluster over HTTP(S) (clickhouse-connect), one session per build so
    temporary tables live as long as the build."""

    def __init__(self, url: str, settings: Mapping[str, int] = SETTINGS) -> None:
        import clickhouse_connect

        self.client = clickhouse_connect.get_client(dsn=url, settings=dict(settings))

    def stream(self, sql: str, params: dict, batch_rows: int) -> Iterator[pa.RecordBatch]:
        # One Arrow table per ClickHouse block; strings as str, not the driver's default bytes.
        with self.client.query_arrow_stream(sql, parameters=params, use_strings=True) as blocks:
            for block in blocks:
                yield from block.to_batches() if isinstance(block, pa.Table) else [block]

    def command(self, sql: str) -> None:
        self.client.command(sql)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        self.client.insert_arrow(table, data)

    def close(self) -> None:
        self.client.close()


@dataclass
class ClickHouseEngine:
    """Runs the builder's queries on ClickHouse. Snapshot tables the server cannot read (every
    one, for a server; none, for chdb, which reads the files) are copied into temporary tables
    first; warehouse tables are read where they are."""

    client: ChdbClient | ServerClient
    warehouse: dict[str, str] = field(default_factory=dict)
    copy_local: bool = False
    name: str = "clickhouse"
    chunked: bool = False
    _copies: dict[str, str] = field(default_factory=dict)

    def _sources(self, tables: Tables, query: Query) -> dict[str, Source]:
        sources = {t: Source("table", w) for t, w in self.warehouse.items()}
        if self.copy_local:
            for param in query.table_params:
                table = param[: -len(TABLE_PARAM_SUFFIX)]
                if table not in sources:
                    sources[table] = Source("table", self._copy(tables, table))
        return sources

    def _copy(self, tables: Tables, table: str) -> str:
        """A temporary table holding a snapshot table, for a server that cannot read its file;
        made once per file and build."""
        path = tables.table_path(table)
        if str(path) not in self._copies:
            import pyarrow.parquet as pq

            source = pq.ParquetFile(path)
            # Our own name, from the contract's table names and a counter; never user text.
            name = f"govdash_{table}_{len(self._copies)}"
            columns = ", ".join(
                f"`{f.name}` Nullable({CLICKHOUSE_TYPES[f.type]})" for f in source.schema_arrow
            )
            self.client.command(f"CREATE TEMPORARY TABLE {name} ({columns}) ENGINE = Memory")
            # A batch at a time: the activities of a national snapshot do not fit in memory.
            for batch in source.iter_batches(batch_size=COPY_ROWS):
                self.client.insert_arrow(name, pa.Table.from_batches([batch]))
            self._copies[str(path)] = name
        return self._copies[str(path)]

    def stream(
        self, query: str, tables: Tables, *, batch_rows: int = 128 * 1024, **params: object
    ) -> Iterator[pa.RecordBatch]:
        found = clickhouse_query(query)
        sql, bound = translate(found, tables, self._sources(tables, found), params)
        return self.client.stream(sql, bound, batch_rows)

    def frame(self, query: str, tables: Tables, **params: object) -> pd.DataFrame:
        batches = list(self.stream(query, tables, **params))
        if not batches:
            return pd.DataFrame()
        return pa.Table.from_batches(batches).to_pandas()

    def close(self) -> None:
        self.client.close()


def _settings(env: Mapping[str, str]) -> dict[str, int]:
    settings = dict(SETTINGS)
    threads = (env.get(THREADS_ENV) or "").strip()
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise _problem(
                f"{THREADS_ENV}={threads!r}: expected a whole number of threads, 1 or more",
                f"{THREADS_ENV}={threads!r}：应为不小于1的整数线程数",
            )
        settings["max_threads"] = int(threads)
    return settings


def open_clickhouse(
    folder: Path, env: Mapping[str, str] | None = None, *, copy_local: bool | None = None
) -> ClickHouseEngine:
    """The ClickHouse engine configuration describes: a server (GOVDASH_CLICKHOUSE_URL) or chdb,
    reading the warehouse tables GOVDASH_CLICKHOUSE_TABLES names. `copy_local` forces the server
    way of reading snapshot tables (temporary copies) on chdb too, which is how it is tested."""
    env = os.environ if env is None else env
    warehouse = warehouse_tables(env)
    url = (env.get(URL_ENV) or "").strip()
    try:
        settings = _settings(env)
        client = (
            ServerClient(url, settings) if url else ChdbClient(env.get(CHDB_PATH_ENV), settings)
        )
    except ImportError as exc:
        raise _problem(
            f"GOVDASH_ENGINE=clickhouse needs {exc.name}: pip install 'govdash[clickhouse]'",
            f"GOVDASH_ENGINE=clickhouse 需要安装 {exc.name}：pip install 'govdash[clickhouse]'",
        ) from None
    return ClickHouseEngine(
        client, warehouse, copy_local=bool(url) if copy_local is None else copy_local
    )
