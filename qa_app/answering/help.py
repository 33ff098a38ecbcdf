"""Greetings, thanks and "what can you do": what the documents hold and questions worth asking.

A first-time user who types 你好 should learn what to ask, not read "文件中未找到". The reply names
the documents, years, periods and how many records are loaded, and three example questions made
from the loaded records themselves (a unit's targets, a leader's count, a target's deadline), so
they always have an answer whatever corpus is loaded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from qa_app.answering import cues
from qa_app.answering.compose import Reply, topic
from qa_app.overview import overview
from qa_app.profile import record_place
from qa_app.records import Record

THANKS = ("谢谢", "多谢", "感谢", "谢了", "thank")
BYE = ("再见", "拜拜", "bye")


def is_social(text: str) -> bool:
    """A greeting, thanks, goodbye or a question about the assistant itself (whole message)."""
    return bool(cues.SOCIAL.match(text.strip()))


def assistant_title(records: Sequence[Record]) -> str:
    """The page title from the documents' place: 某某市责任目标问答 (责任目标问答 without one)."""
    places = list(dict.fromkeys(p for p in (record_place(r) for r in records) if p))
    return ("、".join(places[:2]) if places else "") + "责任目标问答"


def example_questions(records: Sequence[Record], n: int = 3) -> tuple[str, ...]:
    """Questions the loaded records answer: a task's lead unit, a unit's targets in the latest
    year, a leader's count, a target's deadline — each built from an actual record."""
    out: list[str] = []
    tasks = [r for r in records if r.kind == "task" and r.lead_units]
    targets = [r for r in records if r.kind == "target" and r.units]
    if tasks:
        out.append(f"{topic(_middle(tasks), 16)}由哪个单位牵头？")
    if targets:
        year = max(r.year or 0 for r in targets)
        units = Counter(u for r in targets if r.year == year for u in r.units[:1])
        if units:
            out.append(f"{units.most_common(1)[0][0]}{year}年负责哪几项目标？")
        dated = [r for r in targets if r.deadline and r.deadline != "年底"] or targets
        out.append(f"{topic(_middle(dated), 16)}的完成时限是什么时候？")
        leaders = Counter(n for r in targets for n in r.leaders)
        if leaders:
            out.append(f"{leaders.most_common(1)[0][0]}分管几项目标？")
    return tuple(dict.fromkeys(out))[:n]


def compose_help(records: Sequence[Record], text: str = "") -> Reply:
    """The help reply (never an abstention): what is loaded and three example questions."""
    flat = text.strip().lower()
    opening = "不客气。" if any(w in flat for w in THANKS) else "再见，欢迎随时再来问。" \
        if any(w in flat for w in BYE) else "您好，我是责任目标问答助手。"
    groups = overview(records)
    held = "；".join(f"{g.label}（{g.items}项）" for g in groups)
    examples = example_questions(records)
    short = f"{opening}我能依据已载入的{len(groups)}类文件回答问题：{held}。"
    asks = "；".join(f"“{q}”" for q in examples)
    answer = (f"{short}可以问某项目标或任务的责任单位、分管领导、完成时限、进展和数字，也可以列出或统计"
              f"某个单位、领导、年份的全部条目，或请我总结某一期的整体进展；每个回答都标出来源记录，"
              f"文件里没有的会明确说“文件中未找到”。例如：{asks}。")
    return Reply(short, answer)


def _middle(records: Sequence[Record]) -> Record:
    return records[len(records) // 2]
