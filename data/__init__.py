"""govdash's reference data (metric catalog, vocabularies, reported facts, demo city, maps),
shipped as package data (govdash.data). Snapshots written here are user data and never packaged.
"""
