"""One self-explanatory chunk per record: its fields with their labels and its document's scope."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_app.records import TASK, Record

_QUOTED = re.compile(r"[“\"《]([^”\"》]{2,16})[”\"》]")
# Infrastructure names are written unquoted: two characters of place names + the kind (甲乙高铁, 甲乙高速).
_PROJECT = re.compile(r"[\u4e00-\u9fff]{2}(?:高铁|高速|铁路|大桥|航道|机场)")


def chunk_text(record: Record) -> str:
    """Render a record with field labels so that the chunk stands on its own."""
    scope = f"{record.title}（{record.year or ''}年{record.period}）"
    if record.kind == TASK:
        parts = [scope, record.section, f"任务{record.number}：{record.content}"]
        if record.lead_units:
            parts.append(f"牵头单位：{'、'.join(record.lead_units)}")
        if record.participating_units:
            parts.append(f"参与单位：{'、'.join(record.participating_units)}")
        return "；".join(p for p in parts + _extra(record) if p)
    period = record.period if record.period not in ("", "全年") else ""
    parts = [
        scope,
        f"序号：{record.number}",
        f"市政府领导：{'、'.join(record.leaders)}",
        f"责任目标：{record.content}",
        f"完成时限：{record.deadline}",
        f"{period}完成情况：{record.progress}",
        f"是否按计划完成进度：{record.on_schedule}",
        f"责任单位：{'、'.join(record.units)}",
    ]
    return "；".join(parts + _extra(record))


def _extra(record: Record) -> list[str]:
    """The document's own further columns (备注, 主要任务…), searchable under their headers."""
    return [f"{header}：{value}" for header, value in record.extra if value]


class RecordChunks(Sequence):
    """The records' chunks in row order, each rendered when asked: the texts `qa build` wrote for them,
    without holding a million of them (~500 MB) that nothing reads while answering."""

    def __init__(self, records: Sequence[Record]):
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [chunk_text(r) for r in self._records[row]]
        return chunk_text(self._records[row])


def vocabulary_words(records: list[Record]) -> list[str]:
    """Names jieba must keep whole: units, leaders, quoted and infrastructure project names."""
    words: set[str] = set()
    for record in records:
        words.update(record.units + record.lead_units + record.participating_units + record.leaders)
        words.update(m.group(1) for m in _QUOTED.finditer(record.content))
        words.update(m.group(0) for m in _PROJECT.finditer(record.content))
    return sorted(w for w in words if 2 <= len(w) <= 20 and "、" not in w)
