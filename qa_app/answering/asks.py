"""Sub-questions: "查处了几起？罚了多少？" and "计划多少 实际多少" ask twice, each on its own terms.

An Ask keeps the wording of one sub-question with what it implies: the document or year it names,
the measure the figure should carry (几起 → 起, 探访率 → %, 罚了多少 → 元) and whether it asks about
the plan (要求, 目标) or what has been done (已, 实际, 了).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa_app.answering import cues
from qa_app.profile import find_period
from qa_app.text import fold_variants

_SEPARATORS = re.compile(r"[？?；;！!，,。\s]+")
_ASK_WORDS = re.compile(r"多少|几(?!乎)|吗|是否|哪|谁|什么|啥|何时|怎么|如何|有没有|时限|期限|进展|进度|情况|"
                        r"单位|部门|领导|牵头|参与|分管|[率数额量]$")
_FIGURE_ENDING = re.compile(r"(率|户数|人数|个数|家数|总数|数量|金额|规模|比重|比例|占比)[吗呢？?。]*$")
_COUNT_NOUN = re.compile(r"([个家名套处项起座所条台户辆亩元吨头只株间件批场期栋人])数")


@dataclass(frozen=True)
class Ask:
    """One sub-question: its wording, the document, period and year it names, the measure it wants."""

    text: str
    kind: str | None = None
    period: str | None = None
    year: int | None = None
    unit_hints: tuple[str, ...] = ()
    wants_plan: bool = False
    wants_done: bool = False
    wants_figure: bool = False
    wants_detail: bool = False  # a wh-question about one detail (成立了什么机构)
    focus: str = ""             # the words just before the question word (同比增长了多少 → 同比增长)


def figure_wording(text: str) -> bool:
    """Whether a (sub-)question asks for a figure: 多少, 几处, or a closing 完工率 / 户数."""
    return bool(cues.INTENT_PATTERNS_BY_NAME["figure"].search(text) or _FIGURE_ENDING.search(text))


def split_asks(text: str, years: tuple[int, ...] = (), task_words: tuple[str, ...] = ()) -> tuple[Ask, ...]:
    """One Ask per sub-question. Parts are split on punctuation and spaces, and after a figure word
    when another follows; a part that asks nothing (a topic, a year) joins the next one."""
    spaced = fold_variants(unicodedata.normalize("NFKC", text or ""))
    parts = [p for chunk in _SEPARATORS.split(spaced) for p in _split_figures(chunk) if p]
    asks: list[str] = []
    pending = ""
    for part in parts:
        pending += part
        if _ASK_WORDS.search(part):
            asks.append(pending)
            pending = ""
    if pending:
        if asks:
            asks[-1] += pending
        else:
            asks.append(pending)
    made = tuple(make_ask(a, task_words=task_words) for a in asks) or (make_ask(spaced, task_words=task_words),)
    if len(years) > 1 and len(made) == 1:
        return tuple(make_ask(made[0].text, year, task_words) for year in years)
    return made


def _split_figures(chunk: str) -> list[str]:
    """'计划多少实际多少' → ['计划多少', '实际多少']: cut after each figure word but the last."""
    matches = list(re.finditer(r"多少|几(?!乎)", chunk))
    if len(matches) < 2:
        return [chunk]
    out, start = [], 0
    for match in matches[:-1]:
        measure = cues.MEASURE.match(chunk, match.start())
        end = match.start() + len(measure.group(0)) - len(measure.group(2)) if measure else match.end()
        out.append(chunk[start:end])
        start = end
    out.append(chunk[start:])
    return out


def make_ask(text: str, year: int | None = None, task_words: tuple[str, ...] = ()) -> Ask:
    if year is None:
        found = cues.YEAR.search(text)
        year = int(found.group(1)) if found else None
    return Ask(text=text, kind=parse_kind(text, task_words), period=find_period(text), year=year,
               unit_hints=unit_hints(text),
               wants_plan=bool(cues.PLAN_WORDS.search(text)) and not cues.DONE_WORDS.search(text),
               wants_done=bool(cues.DONE_WORDS.search(text)),
               wants_figure=figure_wording(text),
               wants_detail=bool(cues.DETAIL_WORDS.search(text)) and not figure_wording(text),
               focus=focus_words(text))


def focus_words(text: str) -> str:
    """What the question word asks about: the two characters before it, past joining words
    (科技型中小企业已经入库多少家 → 入库; 成立了什么机构 → 成立; 同比增长了多少 → 增长)."""
    found = cues.QUESTION_WORD.search(text)
    if not found:
        return ""
    if found.group(0) in ("是否", "有没有", "是不是"):
        after = re.sub(r"^(都|已经|已|还|真的|能|会)+", "", text[found.end():])
        return after[:2]
    before = re.split(r"[，,。；;：:、\s]", text[:found.start()])[-1]
    return re.sub(r"(一个|一种|一批|一项|已经|[了的是有要到为将])+$", "", before)[-2:]


def unit_hints(text: str) -> tuple[str, ...]:
    """Measures the asked figure should carry: 多少万个 → 万个; 探访率 → %; 罚了多少 → 元; 户数 → 户."""
    hints = [m.group(1) + m.group(2).rstrip(cues.EDGE_CHARS) for m in cues.MEASURE.finditer(text)]
    hints += [m.group(1) for m in _COUNT_NOUN.finditer(text)]
    if cues.GROWTH_WORDS.search(text):
        return (*hints, "%", "个百分点")
    if cues.RATE_WORDS.search(text):
        hints.append("%")
    if cues.MONEY_WORDS.search(text):
        hints.append("元")
    if cues.AREA_WORDS.search(text):
        hints.extend(("平方", "亩"))
    return tuple(hints)


def parse_kind(flat: str, task_words: tuple[str, ...] = ()) -> str | None:
    """'task' for a task notice (named by the notice's own word, e.g. the one before its year),
    'target' for the progress tables, None when both or neither."""
    task = bool(cues.TASK_WORDS.search(flat)) or any(w in flat for w in task_words)
    target = bool(cues.TARGET_WORDS.search(flat)) or find_period(flat) is not None
    if task == target:
        return None
    return "task" if task else "target"
