"""What the documents lack, said in words: a place no document is of ("文件只含某某市的文件，没有
某某市"), a target number past the end of a table ("2023年三季度表只到第200项"). The place text comes
from the corpus's titles, never from the code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qa_app.answering.names_rules import flat_form, name_rules
from qa_app.answering.scope import other_place
from qa_app.answering.vocabulary import take_names
from qa_app.profile import document_name
from qa_app.records import TASK, Record

if TYPE_CHECKING:
    from qa_app.answering.names import NameIndex


def missing_place(text: str, index: NameIndex) -> str | None:
    """A city, county or province the question scopes to that no document is of, in words. Unit
    names and leader titles are taken out first (任务中市卫生健康委, 分管市领导 name no place), and a
    pronoun before 市 (咱们市) is the corpus's own city."""
    rules = name_rules()
    vocab = index.vocab
    _, rest = take_names(flat_form(text), (*index.unit_forms, *rules.person_titles))
    place = other_place(rest, vocab)
    if place is None or place[:-1].endswith(rules.place_pronouns):
        return None
    if not vocab.places:
        return f"文件中没有{place}的文件"
    return f"文件只含{'、'.join(vocab.places)}的文件，没有{place}"


def number_beyond(records: Sequence[Record], n: int) -> str | None:
    """Why target or task number n is not in these records ("三季度表只到第198项"), or None if it is."""
    numbers = [r.number for r in records if r.number is not None]
    if not numbers or n in numbers:
        return None
    if n > max(numbers):
        return f"{_table_name(records)}只到第{max(numbers)}项"
    return f"{_table_name(records)}没有第{n}项"


def _table_name(records: Sequence[Record]) -> str:
    """How a reply names the records in scope: 2023年三季度表, a notice's short name, or 所问的文件."""
    kinds = {(r.kind, r.year, r.period, document_name(r.title) if r.kind == TASK else "") for r in records}
    if len(kinds) != 1:
        return "所问的文件"
    kind, year, period, name = kinds.pop()
    if kind == TASK:
        return name
    return f"{year}年{period}表" if year else f"{period}表"
