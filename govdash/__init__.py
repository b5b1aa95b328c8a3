"""govdash: a governance-metrics dashboard over immutable Parquet snapshots read through DuckDB."""

__version__ = "0.1.0"
