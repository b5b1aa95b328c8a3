"""What the data is and where it lives: the data contract's tables (contract) and its rules
(checks), the metric catalog (catalog), vocabularies (vocab), the division hierarchy (divisions),
where files are (paths), how a file is written safely (files, streams), and the snapshots on disk:
read, verified, listed and skipped with a reason (snapshot).

May import: text.
"""
