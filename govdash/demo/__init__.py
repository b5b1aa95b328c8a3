"""Deterministic demo data: a whole city generated from data/demo/*.toml and calibrated to the reported facts."""
