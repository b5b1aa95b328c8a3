"""The pilot evaluation (试点成效评估): did pilot communities improve more than comparable ones?
The estimate (estimate.py), its panel from a snapshot (review.py) and its words (table.py)."""
