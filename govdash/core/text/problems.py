"""Located, bilingual problems. The UI shows the Chinese text, logs and the CLI the English one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong with input, and where: a file, a table, a column, a row."""

    code: str
    en: str
    zh: str
    where: str = ""
    where_zh: str = ""  # the location in Chinese words ("第12行"), when it has words

    def text(self, lang: str = "en") -> str:
        message = self.zh if lang == "zh" else self.en
        where = (self.where_zh or self.where) if lang == "zh" else self.where
        if not where:
            return message
        return f"{where}：{message}" if lang == "zh" else f"{where}: {message}"


class GovdashError(Exception):
    """An expected failure carrying one or more located problems; never shown as a traceback."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(p.text("en") for p in self.problems))

    def text(self, lang: str = "en") -> str:
        return "\n".join(p.text(lang) for p in self.problems)


class ContractError(GovdashError):
    """A table does not meet the data contract."""


class SnapshotError(GovdashError):
    """A snapshot folder cannot be trusted or found."""
