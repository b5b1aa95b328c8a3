"""Controlled vocabularies (categories, target groups, team types ...) loaded from data/vocabulary.toml."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from govdash.core.data.paths import DATA_DIR

VOCAB_FILE = DATA_DIR / "vocabulary.toml"


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCAB_FILE) -> dict[str, dict[str, dict[str, str]]]:
    """Return {vocabulary: {code: {"zh": label, "en": label}}}."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def codes(name: str) -> list[str]:
    """The allowed codes of one vocabulary, in file order."""
    return list(load_vocabulary()[name])


def label(name: str, code: str, lang: str = "zh") -> str:
    """The label of a code, or the code itself when the vocabulary does not know it."""
    entry = load_vocabulary().get(name, {}).get(code)
    return entry[lang] if entry else code
