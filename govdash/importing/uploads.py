"""Files uploaded on the import page, kept apart by content rather than by name.

Two district offices both send "月报.xlsx": saved by name, the second would overwrite the first
and be read twice. Here each file goes into a folder named by its digest, so two files never
share a path; a second file with a name already taken is shown as "月报 (2).xlsx", so every
message still tells them apart; the same bytes uploaded twice are kept once, and the page says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class StoredUploads:
    """The files to import (paths under the upload folder) and the uploads that repeated an
    earlier one: (its name, the name it repeats)."""

    paths: list[Path] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)


def shown_name(name: str, taken: set[str]) -> str:
    """The name a file is shown and reported under: its own, or with (2), (3) … before the
    suffix when another file already has it (the suffix tells the reader the file type)."""
    base = Path(name).name.strip() or "upload"
    if base not in taken:
        return base
    stem, suffix = Path(base).stem, Path(base).suffix
    n = 2
    while f"{stem} ({n}){suffix}" in taken:
        n += 1
    return f"{stem} ({n}){suffix}"


def store_uploads(files: Iterable[tuple[str, bytes]], folder: Path) -> StoredUploads:
    """Write each (name, bytes) into `folder`/<digest>/<shown name>, once per content."""
    stored = StoredUploads()
    by_digest: dict[str, str] = {}
    taken: set[str] = set()
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        if digest in by_digest:
            stored.repeated.append((Path(name).name or "upload", by_digest[digest]))
            continue
        shown = shown_name(name, taken)
        taken.add(shown)
        by_digest[digest] = shown
        place = folder / digest[:32]
        place.mkdir(parents=True, exist_ok=True)
        path = place / shown
        path.write_bytes(data)
        stored.paths.append(path)
    return stored
