"""The sidebar's snapshot picker (issue 28): its label is short enough to show whole, and two
snapshots of the same day read apart; the caption under it says when the chosen one was made and
the hash that tells it from another. The whole id stays for the details switch."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

from app_runner import run_page

from govdash.app.context import snapshot_labels

OTHER = "0123456789"


def _twin(root, snapshot, created: str):
    """A second snapshot of the same as-of date in `root`, made at `created`."""
    twin_id = snapshot.id.rsplit("-", 1)[0] + "-" + OTHER
    shutil.copytree(snapshot.path, root / twin_id)
    manifest = json.loads((root / twin_id / "manifest.json").read_text())
    manifest.update(id=twin_id, created_at=created)
    (root / twin_id / "manifest.json").write_text(json.dumps(manifest))
    return twin_id


def test_labels_are_short_and_tell_same_day_snapshots_apart(snapshot):
    alone = snapshot_labels([snapshot], "zh")
    assert alone == {snapshot.id: "2025年7月18日 · 演示数据"}
    later = replace(snapshot, id="x-" + OTHER,
                    manifest={**snapshot.manifest, "created_at": "2026-12-04T09:41:00+00:00"})  # fmt: skip
    first = replace(snapshot, manifest={**snapshot.manifest,
                                        "created_at": "2026-12-04T08:24:00+00:00"})  # fmt: skip
    labels = snapshot_labels([later, first], "zh")
    assert labels == {later.id: "2025-07-18 · 演示数据 · 09:41",
                      first.id: "2025-07-18 · 演示数据 · 08:24"}  # fmt: skip
    # Made in the same minute: the end of the id tells them apart.
    same = replace(later, manifest=first.manifest)
    labels = snapshot_labels([same, first], "en")
    assert len(set(labels.values())) == 2
    assert labels[same.id].endswith(OTHER[-6:]) and labels[first.id].endswith(first.id[-6:])
    assert all(len(text) <= 40 for text in labels.values())


def test_the_caption_says_when_and_which(snapshot_copy, monkeypatch):
    root, snapshot = snapshot_copy
    twin = _twin(root, snapshot, "2030-01-02T03:04:05+00:00")
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = run_page({"snapshot": twin})
    assert not at.exception
    picker = at.sidebar.selectbox[0]
    assert picker.value == twin
    shown = picker.format_func(twin)
    assert shown == "2025-07-18 · 演示数据 · 03:04"
    assert picker.format_func(snapshot.id) != shown
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert f"生成于2030年1月2日 03:04 (UTC) · 编号 {OTHER}" in captions
    assert twin not in captions  # the whole id only with the details switch
    english = run_page({"snapshot": twin, "lang": "English"})
    words = " ".join(c.value for c in english.sidebar.caption)
    assert f"Generated January 2, 2030 03:04 (UTC) · id {OTHER}" in words
