"""Is it there: whether the documents hold what a question asks, said plainly when they do not.

Retrieval always finds a nearest record, and a question that names a real project but asks for
something the documents do not hold (its design speed, a phone number, the total investment) shares
many words with it. So after choosing the subject we check, in the question's own terms:
- names: a person, or a task or target number, that no record has;
- the measure a figure must carry (多少公里 needs a number in 公里, 多少钱 one in 元);
- the attribute asked about (会长, 设计时速, 总投资) must be written, whole, in the chosen record
  (完成投资 is not 总投资);
- opinions and forecasts are not in any document.
Each check returns the reason in words ("文件中没有孙志强分管的目标"), or None.
"""

from __future__ import annotations

import re

import numpy as np

from qa_app.answering import cues
from qa_app.answering.matching import holds_measure
from qa_app.answering.names_rules import surnames
from qa_app.answering.selection import Knowledge
from qa_app.answering.understanding import Question
from qa_app.answering.vocabulary import simplify
from qa_app.records import Record

_PERSON = re.compile(r"([\u4e00-\u9fff]{2,3}?)(?:这位|同志)?(?:副市长|市长|市领导|领导|同志|分管|主抓|名下)")
_ASKED = re.compile(r"(?:是|有|为)?(?:多少|几|谁|什么|哪)")
_CLAUSE_MARKS = re.compile(r"[，,。；;？?！!、“”\s]")
_GENERIC = re.compile(r"^(情况|进展|进度|工作|目标|任务|项目|内容|数量|数字|结果|方面|一共|总共|目前|现在|已经|今年)$")


def unknown_name(q: Question, knowledge: Knowledge, kind: str | None) -> str | None:
    """A person or a number the question names that no record has."""
    if cues.OPINION.search(q.flat):
        return "对前景的评价或预测（文件只记录目标、任务及其进展）"
    place = _unknown_facility(q, knowledge)
    if place:
        return f"“{place}”的内容（文件中没有这个名称）"
    person = _unknown_person(q, knowledge)
    if person:
        return f"{person}分管或负责的目标（文件中的市领导是{'、'.join(knowledge.vocab.leaders[:6])}等）"
    if q.number is not None:
        numbers = _numbers(knowledge, kind, q.year)
        if len(numbers) and q.number not in numbers:
            return f"第{q.number}项（所问的文件共{int(numbers.max())}项）"
    return None


def _numbers(knowledge: Knowledge, kind: str | None, year: int | None) -> np.ndarray:
    """Task or target numbers of the documents asked about (kind, year), from the index columns."""
    lookup = knowledge.lookup
    mask = ~np.isnan(lookup.number)
    if kind is not None:
        mask &= lookup.equal("kind", kind)
    if year is not None:
        mask &= lookup.year == year
    return lookup.number[mask]


def _facilities(q: Question) -> list[tuple[str, str]]:
    """(name, head) of each facility or organisation the question names (某某剧院: head 某某), not
    a common noun (本地大剧院, 名牌大学)."""
    flat = _CLAUSE_MARKS.sub("|", q.flat)
    return [(m.group(0), m.group(1)) for m in cues.FACILITY.finditer(flat) if not cues.GENERIC_HEAD.search(m.group(1))]


def _unknown_facility(q: Question, knowledge: Knowledge) -> str | None:
    """A named facility or organisation whose distinctive part no record has."""
    return next((name for name, head in _facilities(q)
                 if not (knowledge.lookup.holds(name) or knowledge.lookup.holds(head[-2:]))), None)


def _named(q: Question, knowledge: Knowledge) -> list[str]:
    """Facilities and organisations the question names that the documents hold: the record that
    answers must be about them (保利剧院's performances are not another record's 演出场次)."""
    return [name for name, _ in _facilities(q) if knowledge.lookup.holds(name)]


def _unknown_person(q: Question, knowledge: Knowledge) -> str | None:
    if q.leaders:
        return None
    for match in _PERSON.finditer(q.flat):
        name = match.group(1)
        if name[0] not in surnames() or re.search(r"[哪谁位么]", name):
            continue
        if not knowledge.lookup.holds(name):
            return name
    return None


def asked_extra(q: Question, record: Record) -> tuple[str, str] | None:
    """(header, value) of a column of the record's own (备注, 情况说明, 主要任务) that the question
    names: 改造农村公路的备注是什么 is answered by that column, not "没有写备注"."""
    named = [(h, v) for h, v in record.extra if len(h) >= 2 and simplify(h) in q.flat]
    return max(named, key=lambda pair: len(pair[0])) if named else None


def missing_in_record(q: Question, record: Record, knowledge: Knowledge) -> str | None:
    """The asked measure or attribute when the chosen record does not hold it."""
    if q.intent not in ("progress", "task_content", "general", "figure"):
        return None
    row = knowledge.row_of[record.id]
    flat = knowledge.flat_text[row]
    for name in _named(q, knowledge):
        if name not in flat:
            return name
    for ask in q.asks:
        if ask.wants_figure and ask.unit_hints and not holds_measure(knowledge.tails[row], ask.unit_hints):
            return _attribute(ask.text, knowledge) or ask.unit_hints[0]
    attribute = _attribute(q.flat, knowledge)
    if attribute and not _written(attribute, flat, knowledge):
        return attribute
    return None


def _attribute(text: str, knowledge: Knowledge) -> str | None:
    """What is asked about: the words just before the question word, after the last 的
    (德单高速…的设计时速是多少 → 设计时速; 企业家协会的会长是谁 → 会长)."""
    flat = simplify(text)
    asked = _ASKED.search(flat)
    if not asked or "的" not in flat[:asked.start()]:
        return None
    head = re.split(r"[，,。；;？?]", flat[:asked.start()])[-1]
    if "的" not in head:
        return None
    attribute = cues.CUE_WORDS.sub("", head.rsplit("的", 1)[1]).strip("“”\"'《》「」")
    words = _words(attribute, knowledge)
    return attribute if words else None


def _written(attribute: str, flat: str, knowledge: Knowledge) -> bool:
    """The attribute is in the record whole, or word by word when every word is a real word (a
    lone qualifier such as 总 in 总投资 must be there as written: 完成投资 is not 总投资)."""
    if attribute in flat:
        return True
    words = [w for w in knowledge.words.lcut(attribute) if not _GENERIC.match(w)]  # 今年, 目前 say when, not what
    return bool(words) and all(len(w) >= 2 and w in flat for w in words)


def _words(text: str, knowledge: Knowledge) -> list[str]:
    return [w for w in knowledge.words.lcut(text) if len(w) >= 2 and not _GENERIC.match(w)]


def describe(record: Record, missing: str) -> str:
    """"文件写了德单高速……的推进情况，没有写设计时速"."""
    what = "推进情况" if record.kind == "target" and record.progress else "要求"
    return f"“{missing}”：文件只写了该条目的{what}，没有写{missing}"
