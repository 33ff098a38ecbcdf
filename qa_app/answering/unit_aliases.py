"""The table of old and common unit short forms (data/unit_aliases.tsv): 环保局 → 生态环境局.

People name units the way they always have (市环保局, 市人社局, 人民银行), not the way this year's
documents spell them. The table lists such forms against a stem, and a row only applies to a corpus
that holds a unit with that stem, so the table carries no corpus's facts and a corpus brings its own
names: the question resolves to the name the documents use. vocabulary.py turns the rows into unit
aliases; names.py reports that a name was resolved through this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_GAP = "…"


@dataclass(frozen=True)
class UnitAlias:
    """One row: a short form (without the city prefix) and the stem it stands for; a stem written
    head…tail stands for any unit stem that starts with head and ends with tail."""

    short: str
    stem: str

    def matches(self, stem: str) -> bool:
        if _GAP not in self.stem:
            return stem == self.stem
        head, _, tail = self.stem.partition(_GAP)
        return len(stem) > len(head) + len(tail) and stem.startswith(head) and stem.endswith(tail)


@dataclass(frozen=True)
class UnitAliasTable:
    """Every row of the table, in file order (the first row for a form wins)."""

    rows: tuple[UnitAlias, ...]

    def forms(self, stems: dict[str, str]) -> list[tuple[str, str]]:
        """(written form, unit key) for each row whose stem the corpus holds: the short form and 市 +
        short form. `stems` maps a unit's stem (its key without the city prefix) to its key."""
        found: list[tuple[str, str]] = []
        ordered = sorted(stems)
        for row in self.rows:
            if _GAP in row.stem:
                stem = next((s for s in ordered if row.matches(s)), None)
            else:
                stem = row.stem if row.stem in stems else None
            if stem is not None:
                found.extend((form, stems[stem]) for form in (row.short, "市" + row.short))
        return found

    @property
    def shorts(self) -> frozenset[str]:
        """Every form a row adds (with and without 市), to tell an alias from the corpus's own spelling."""
        return frozenset(form for row in self.rows for form in (row.short, "市" + row.short))


@lru_cache(maxsize=1)
def unit_alias_table() -> UnitAliasTable:
    text = resources.files("qa_app.answering").joinpath("data/unit_aliases.tsv").read_text(encoding="utf-8")
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        short, sep, stem = line.partition("\t")
        if not sep or not short.strip() or not stem.strip():
            raise ValueError(f"data/unit_aliases.tsv line {number}: expected short form<TAB>stem, got {line!r}")
        rows.append(UnitAlias(short.strip(), stem.strip()))
    return UnitAliasTable(tuple(rows))
