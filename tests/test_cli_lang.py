"""The command line speaks the language of the system locale, or the one --lang names, and no
message shows None, nan or a Python repr."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from app_runner import run_cli

from govdash.cli_lang import cli_lang, system_lang

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u4e00-\u9fff]")
REPRS = re.compile(r"\bNone\b|\bnan\b|\bNaT\b|<[a-z_.]+ object at 0x|Traceback")


def _run(args: list[str], lang_env: str, root: Path) -> subprocess.CompletedProcess:
    return run_cli(root, *args, lang_env=lang_env)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_locale_chooses_the_language(environ, lang):
    assert system_lang(environ) == lang


def test_lang_overrides_the_locale(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert cli_lang(None) == "zh" and cli_lang("en") == "en"


def test_commands_speak_chinese_in_a_chinese_locale_and_english_otherwise(snapshot_copy, tmp_path):
    root, _ = snapshot_copy
    bad = tmp_path / "报表.csv"
    bad.write_text("月份,社区,专业社工\n2025-07,不存在的社区,abc\n", encoding="utf-8")
    for args in (["snapshots", "list"], ["reconcile"], ["import", str(bad), "--dry-run"],
                 ["completeness", "--month", "2025-13"]):  # fmt: skip
        zh = _run(args, "zh_CN.UTF-8", root)
        en = _run([*args, "--lang", "en"], "zh_CN.UTF-8", root)
        zh_text, en_text = zh.stdout + zh.stderr, en.stdout + en.stderr
        assert HAN.search(zh_text), (args, zh_text)
        assert not REPRS.search(zh_text) and not REPRS.search(en_text), (args, zh_text, en_text)
        assert zh.returncode == en.returncode, args
    listed = _run(["snapshots", "list"], "zh_CN.UTF-8", root).stdout
    assert "演示数据" in listed and "截至" in listed
    checked = _run(["import", str(bad), "--dry-run"], "zh_CN.UTF-8", root)
    assert "错误：报表.csv › 第2行" in checked.stdout and "未写入任何数据" in checked.stdout
    english = _run(["import", str(bad), "--dry-run"], "C.UTF-8", root)
    assert "error: 报表.csv › row 2" in english.stdout and "nothing was written" in english.stdout
    missing = _run(["reconcile"], "zh_CN.UTF-8", tmp_path / "nowhere")
    assert missing.returncode == 2 and missing.stderr.startswith("错误：")
