"""How questions are answered and snapshots are made: the one way SQL runs (query, with its time
limit in watchdog), the rollups every snapshot carries (rollups) and the engines that build them
(build_engine, clickhouse_engine, warehouse), and publishing a snapshot atomically (publish).

May import: text, data.
"""
