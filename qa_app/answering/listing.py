"""Composing list, count and comparison replies (pure): how many records meet the conditions, and
which, each cited.

A count is always exact. What is written out is bounded: the first `LIST_CITED` records (document
order) are listed and cited, and a longer list says how many more there are — at a million records
one condition can hold a hundred thousand targets, and a reply carrying them all would be megabytes
that nobody reads (an export writes the whole selection). The short answer reads only as many
subjects as fit in its 300 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa_app.answering.compose import LIST_LIMIT, SHORT_LIMIT, Reply, clip, topic
from qa_app.records import Record
from qa_app.text import tidy

LIST_CITED = 300  # records a list writes out and cites (a quarter's table holds 50–200 targets)


def compose_list(records: Sequence[Record], scope: str, counted: bool = False) -> Reply:
    """The matching records, cited; `short` lists their subjects within 300 characters, opening with
    the count ("54项：…") when there are several or when `counted` (a whole scope's list)."""
    if not records:
        return Reply("0项", f"文件中未找到{scope}符合条件的条目。", abstained=True)  # the plan line says the conditions
    shown = records[:LIST_CITED]
    items = [f"{topic(r)}[{n}]" for n, r in enumerate(shown, 1)]
    text = f"{scope}共{len(records)}项：" + "；".join(items) + _more(len(records), len(shown)) + "。"
    head = f"{len(records)}项：" if counted or len(records) > 1 else ""  # a list says how many it holds
    return Reply(head + short_list(records, item, LIST_LIMIT - len(head)), text, tuple(shown))


def item(record: Record) -> str:
    """A list entry: a task's heading, a target's whole wording (its key words may come second)."""
    return topic(record, 60) if record.kind == "task" else tidy(record.content).rstrip("。")


def compose_count(records: Sequence[Record], scope: str) -> Reply:
    reply = compose_list(records, scope)
    short = f"{len(records)}项"
    listed = short_list(records, lambda r: topic(r, 30), SHORT_LIMIT - len(short) - 2)
    if records and not listed.endswith("项"):
        short += f"（{listed}）"
    return Reply(short, reply.answer, reply.records)


def compose_comparison(parts: Sequence[tuple[str, str, Sequence[Record]]]) -> Reply:
    """The same conditions in two or more scopes: each scope's count and items, side by side."""
    cited = tuple(dict.fromkeys(r for _, _, found in parts for r in found))[:LIST_CITED]
    number = {r.id: n for n, r in enumerate(cited, 1)}
    room = LIST_LIMIT // max(len(parts), 1) - 12
    shorts, texts = [], []
    for label, scope, found in parts:
        listed = short_list(found, item, room) if found else ""
        shorts.append(f"{label}：{len(found)}项" + (f"（{listed}）" if listed else ""))
        written = [f"{topic(r)}[{number[r.id]}]" for r in found if r.id in number]
        texts.append(f"{scope}共{len(found)}项" + (f"：{'；'.join(written)}" if written else "")
                     + _more(len(found), len(written)))
    return Reply(clip("；".join(shorts), LIST_LIMIT), "；".join(texts) + "。", cited)


def _more(total: int, written: int) -> str:
    return f"；另有{total - written}项未列出（导出可得完整清单）" if total > written else ""


def short_list(records: Sequence[Record], entry: Callable[[Record], str], limit: int = LIST_LIMIT) -> str:
    """Entries joined by ；, each cut evenly so the whole fits; past that, the first ones and a count.
    More than `limit` entries never fit whole, so only the first `limit + 1` are read."""
    total = len(records)
    items = [entry(r) for r in records[:limit + 1]]
    joined = "；".join(items)
    if len(joined) <= limit:
        return joined
    each = max((limit - total) // max(total, 1), 0)
    if each >= 10:
        return "；".join(clip(i, each) for i in items)
    kept = []
    for entry_text in items:
        if len("；".join(kept + [clip(entry_text, 20)])) + 8 > limit:
            break
        kept.append(clip(entry_text, 20))
    return "；".join(kept) + f"等{total}项"
