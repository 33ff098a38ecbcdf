"""Nothing lost: a document in no layout the readers know keeps its paragraphs (or rows) as records.

Each kept paragraph is a record of its own (kind task, numbered in reading order, its text as the
content), so it is searchable, cited and answerable for the figures and words it holds; the
document says how it was read ("layout not recognised: N paragraphs kept as text"), so `qa corpus`
never shows a silent 0. The letterhead, the date and the signature are no content and are left out.
"""

from __future__ import annotations

from qa_app.parsing.places import is_signature
from qa_app.profile import NOTICE_PERIOD
from qa_app.records import TASK, Record
from qa_app.text import tidy

_MIN_CHARS = 6  # shorter lines ("附件", "一、", a lone "项目 说明" header) hold nothing to answer from


def plain_note(count: int, rows: bool) -> str:
    what = ("row" if rows else "paragraph") + ("" if count == 1 else "s")
    return f"layout not recognised: {count} {what} kept as text"


def plain_records(file: str, title: str, year: int | None, rows: list[list[str]]) -> list[Record]:
    """One record per paragraph or table row with text enough to answer from (the title excepted)."""
    records: list[Record] = []
    for cells in rows:
        text = tidy(" ".join(c.strip() for c in cells if c and c.strip()))
        if len(text.replace(" ", "")) < _MIN_CHARS or text == title or is_signature(text):
            continue
        number = len(records) + 1
        records.append(Record(
            id=f"{file}#{number}", doc=file, title=title, year=year, period=NOTICE_PERIOD if year else "",
            kind=TASK, number=number, content=text, text="\t".join(c.strip() for c in cells).strip(),
        ))
    return records
