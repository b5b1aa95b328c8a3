"""The SQL of govdash, one query per .sql file, shipped as package data (govdash.queries)."""
