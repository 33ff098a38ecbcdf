"""Question understanding (pure): what is asked, in which scope, about which names and words.

`understand(text, vocab)` turns a question into a `Question`: its intent, the structured scope
(year, period, document kind, leader, unit, section, deadline, on-schedule, missing field), the
content keywords left once question words are removed, and one `Ask` per sub-question
("查处了几起？罚了多少？" asks twice). Nothing here reads records or indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from qa_app.answering import cues
from qa_app.answering.asks import Ask, figure_wording, parse_kind, split_asks
from qa_app.answering.english import is_english, translate
from qa_app.answering.expansions import expand_codes
from qa_app.answering.plan import Condition
from qa_app.answering.planning import (
    Hop,
    masked,
    not_on_schedule,
    read_parts,
    records_asked,
    status_said,
    topic_words,
)
from qa_app.answering.scope import (
    absent_period,
    find_place,
    full_years,
    held_period,
    other_place,
    parse_years,
)
from qa_app.answering.vocabulary import (
    Vocabulary,
    find_deadline,
    find_leaders,
    find_quoted,
    find_sections,
    find_units,
    simplify,
    unit_is,
)
from qa_app.fields import catalog
from qa_app.profile import PERIODS, place_stem

INTENTS = ("unit", "lead_unit", "participants", "leader", "deadline", "progress", "status",
           "task_content", "yes_no", "list", "count", "exists", "group", "cross_doc", "general", "overview", "help")
_ROLE_LIST = re.compile(r"(牵头|参与|负责|分管)的?(哪些|哪几项)?(任务|目标|工作|事项)")
_MISSING = re.compile(r"(?<!有)(没|没有|未|无|缺|空)(写|填|明确|列|标注|注明)?(的)?(牵头单位|参与单位|责任单位|完成时限|市领导|领导)")
_NUMBER = re.compile(r"(第|序号(?:是|为)?|编号(?:是|为)?|排第)(\d{1,4})(?!\d|个?部分|章|节|批|届|季度|期|轮)(项|条|号|行)?")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]")
_ONLY = re.compile(r"只.{0,14}(一家|一个单位)")
_MANY_LEADERS = re.compile(r"(两|二|2|多)(位|个|名)(市政府|市)?领导")
_QUOTED_ANY = re.compile(r"“([^”]{2,12})”(?:或|或者|或是)“([^”]{2,12})”")
_NOT_ON_SCHEDULE = re.compile(r"(未|没|没有|不|尚未)(按|完成)(计划|进度)|滞后|落后")
_ON_SCHEDULE = re.compile(r"按计划推进的|按计划完成的|按进度推进的|完成计划进度的|已按计划")


@dataclass(frozen=True)
class Question:
    """A question understood: intent, structured scope, names and content keywords."""

    text: str
    flat: str
    intent: str = "general"
    year: int | None = None
    period: str | None = None
    kind: str | None = None
    leaders: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    role: str | None = None
    sections: tuple[str, ...] = ()
    quoted: tuple[str, ...] = ()
    deadline: str | None = None
    on_schedule: str | None = None
    missing: str | None = None
    number: int | None = None
    keywords: tuple[str, ...] = ()
    asks: tuple[Ask, ...] = ()
    absent: str | None = None
    cross: bool = False
    followup: bool = False
    query: str = ""
    any_of: tuple[str, ...] = ()       # wording conditions joined by 或: a record needs one of them
    any_unit: bool = False              # several units joined by 或 (else a record needs them all)
    only_units: bool = False            # "只写了X一家": the units column is exactly these
    min_leaders: int | None = None      # "两位市领导共同分管"
    place: str | None = None            # the document place asked about, when the corpus has several
    relative_year: bool = False         # the year came from 今年/去年: the latest year held, if it has it
    conditions: tuple[Condition, ...] = ()  # beyond equality: 完成时限≠年底, 单位≥2家, 仅参与 (planning.py)
    group_by: str | None = None         # an aggregate: the largest (or smallest) group of this field
    largest: bool = True
    exists: bool = False                # 有没有…: answered 有/没有 first
    hop: Hop | None = None              # 负责X的那个单位还…: X's unit feeds the rest
    topic_ids: tuple[str, ...] = field(default=(), compare=False)
    missing_name: str | None = None     # a name no record has (names.py): the reason to abstain  # records the dense leg finds about the topic
    record_ids: tuple[str, ...] = field(default=(), compare=False)

    def filters(self, vocab: Vocabulary | None = None) -> dict:
        """The structured scope as a plain dict (what Answer.filters reports)."""
        out: dict = {}
        for name in ("year", "period", "kind", "number", "deadline", "on_schedule", "missing"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.role and self.units:
            out["role"] = self.role
        if self.leaders:
            out["leader"] = self.leaders[0] if len(self.leaders) == 1 else list(self.leaders)
        if self.units:
            names = [vocab.unit_name(u) if vocab else u for u in self.units]
            out["unit"] = names[0] if len(names) == 1 else names
        if self.sections:
            out["section"] = self.sections[0]
        return out

    def reported_filters(self, vocab: Vocabulary | None = None) -> dict:
        """The filters an Answer reports: list-only conditions only for lists and counts."""
        out = self.filters(vocab)
        if self.intent not in ("list", "count", "exists", "group"):
            for name in ("deadline", "on_schedule", "missing", "role", "section"):
                out.pop(name, None)
        return out

    @property
    def meaningful(self) -> bool:
        """Whether there is anything to look up: Chinese wording and a subject, a name or a list."""
        return bool(_MEANINGFUL.search(self.flat)) and bool(
            self.keywords or self.leaders or self.units or self.record_ids or self.number is not None or self.query
            or self.intent in ("list", "count", "exists", "group"))

    def with_(self, **changes) -> Question:
        return replace(self, **changes)

    @property
    def search_text(self) -> str:
        """What to send to the retriever: a follow-up searches with the question it follows."""
        return self.query or self.text


def understand(text: str, vocab: Vocabulary) -> Question:
    """Read a question into intent, scope, names and keywords (no I/O, no records). An English
    question is read through the glossary first (english.py)."""
    original = ""
    if is_english(text):  # read through the glossary; the multilingual embedder also searches the original
        original, text = text, translate(text, vocab.leaders)
    flat = full_years(expand_codes(simplify(text)), vocab.years)
    years, year_absent = parse_years(flat, vocab.years)
    leaders, units = find_leaders(flat, vocab), find_units(flat, vocab)
    parts = read_parts(flat, vocab, units)
    deadline = None if any(c.field == "deadline" for c in parts.conditions) else find_deadline(flat, vocab)
    question = Question(
        text=text, flat=flat, intent=_asked_intent(flat, split_asks(flat, years, vocab.task_words)),
        year=years[0] if len(years) == 1 else None,
        period=held_period(flat, vocab), kind=parse_kind(flat, vocab.task_words), leaders=leaders, units=units,
        role=parse_role(flat), sections=find_sections(flat, vocab), quoted=find_quoted(flat, vocab),
        deadline=deadline, on_schedule=parse_on_schedule(flat) or ('否' if not_on_schedule(flat) else None), missing=parse_missing(flat),
        number=parse_number(flat),
        keywords=topic_words(keywords(_QUOTED_ANY.sub("|", masked(flat, parts.spans)), vocab, leaders, units, deadline)),
        asks=split_asks(flat, years, vocab.task_words), any_of=_any_of(flat), any_unit=len(units) > 1 and "或" in flat,
        only_units=bool(_ONLY.search(flat)), min_leaders=2 if _MANY_LEADERS.search(flat) else None,
        place=find_place(flat, vocab, units),
        relative_year=bool(years) and not cues.YEAR.search(flat),
        conditions=parts.conditions, group_by=parts.group_by, largest=parts.largest, exists=parts.exists,
        hop=parts.hop, query=f"{text} {original}" if original else "",
    )
    absent = year_absent or absent_period(flat, vocab) or other_place(flat, vocab)
    return _refine(question.with_(absent=absent, cross=_is_cross(flat, years, question.asks, vocab.task_words)))


def _refine(question: Question) -> Question:
    """Settle intents that depend on more than wording: a cross-document figure, a plan vs progress
    figure, a question naming only a leader or unit (a list of what they are responsible for), an
    aggregate, an existence question over a set."""
    intent = question.intent
    if question.group_by:
        column = {"lead": "lead_units", "participating": "participating_units"}.get(question.role or "")
        by = column if question.group_by == "units" and column else question.group_by
        return question.with_(intent="group", group_by=by)
    if _asks_existence(question):
        return question.with_(intent="exists")
    if question.conditions and intent not in ("list", "count"):
        intent = "count" if cues.INTENT_PATTERNS_BY_NAME["count"].search(question.flat) else "list"
        return question.with_(intent=intent)
    if intent == "count" and not (cues.COUNT_SUBJECT.search(question.flat) or _has_filters(question)):
        intent = "figure"
    if intent == "general" and figure_wording(question.flat):
        intent = "figure"
    if cues.TOPIC_QUESTION.search(question.flat) and intent in ("unit", "lead_unit", "participants", "progress",
                                                                 "task_content", "general"):
        return question.with_(intent="general")
    if intent in ("general", "task_content", "progress") and (question.leaders or question.units) \
            and not any(len(k) >= 2 for k in question.keywords):
        intent = "list"
    if intent == "general" and any(a.wants_detail for a in question.asks):
        intent = "task_content" if question.kind == "task" or any(a.wants_plan for a in question.asks) \
            else "progress"
    if intent in ("progress", "task_content", "general", "figure") and question.cross:
        intent = "cross_doc"
    if intent == "figure":
        intent = "task_content" if _plan_question(question) else "progress"
    if intent in _OVERVIEW_FROM and cues.OVERVIEW.search(question.flat) and not overview_subject(question.keywords):
        intent = "overview"
    return question.with_(intent=intent)


def _asks_existence(question: Question) -> bool:
    """有没有… over a set ("曹临名下的目标有没有不是年底的"): a condition or a name with 目标/任务 wording,
    not one record's yes/no ("那个目标是否按计划")."""
    if not question.exists:
        return False
    if question.conditions:
        return True
    set_words = cues.INTENT_PATTERNS_BY_NAME["list"].search(question.flat) or question.on_schedule == "否" \
        or records_asked(question.flat)
    return bool(set_words and (question.leaders or question.units or question.on_schedule or question.keywords))


_OVERVIEW_FROM = ("general", "progress", "task_content", "figure", "status", "list")


def overview_subject(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """The words of an overview request that narrow it (交通), once 总结/整体/进展… are cut out."""
    words = (cues.OVERVIEW_WORDS.sub("", k) for k in keywords)
    return tuple(w for w in words if len(w) >= 2)


def _any_of(flat: str) -> tuple[str, ...]:
    match = _QUOTED_ANY.search(flat)
    return (match.group(1), match.group(2)) if match else ()


def _asked_intent(flat: str, asks: tuple[Ask, ...]) -> str:
    """The intent of the part that asks: "曹临分管的X那项，是哪个局负责的" describes with 分管 and asks
    for the unit, so when one part alone holds a question word, its wording decides."""
    asking = [a for a in asks if cues.WH_WORDS.search(a.text) or cues.YES_NO.search(a.text)]
    if len(asks) > 1 and len(asking) == 1:
        own = detect_intent(simplify(asking[0].text))
        if own != "general":
            return own
    return detect_intent(flat)


def detect_intent(flat: str) -> str:
    """The first intent whose wording the question uses; `figure` means a progress/target figure.
    A yes/no question (是…吗, 有没有) and a figure with its measure (多少家专科联盟) are what is asked
    even when the question also names a unit column (以市立医院为牵头单位…多少家)."""
    if _ROLE_LIST.search(flat) and not re.search(r"(哪些|哪个|什么)(参与|牵头|责任)?(单位|部门)", flat):
        return "count" if cues.INTENT_PATTERNS[0][1].search(flat) else "list"
    for name in ("count", "list", "status"):
        if cues.INTENT_PATTERNS_BY_NAME[name].search(flat):
            return name
    if cues.YES_NO.search(flat) and not cues.WH_WORDS.search(flat):
        return "yes_no"
    if cues.FIGURE_ASKED.search(flat) and not cues.WHO_WORDS.search(flat):
        return "figure"
    for name, pattern in cues.INTENT_PATTERNS:
        if pattern.search(flat):
            return name
    return "general"


def parse_role(flat: str) -> str | None:
    """Which unit column a unit filter means: 牵头 (lead), 参与 (participating) or any."""
    if "牵头" in flat:
        return "lead"
    if "参与" in flat or "配合" in flat:
        return "participating"
    return None


def parse_number(flat: str) -> int | None:
    """A row or task named by its number: 第19项, 序号78."""
    match = _NUMBER.search(flat)
    return int(match.group(2)) if match else None


def parse_on_schedule(flat: str) -> str | None:
    """否/是 asked of the status column, in its own header's words too (是否达序为“否”: the field catalog
    knows 是否达序 is a status header)."""
    said = status_said(flat)
    if said and catalog().column_of(said[0]) == "on_schedule":
        return said[1]
    if _NOT_ON_SCHEDULE.search(flat):
        return "否"
    if _ON_SCHEDULE.search(flat):
        return "是"
    return None


def parse_missing(flat: str) -> str | None:
    """A field the question asks to be empty: 没写牵头单位 → 'lead_units'."""
    match = _MISSING.search(flat)
    if not match:
        return None
    return {"牵头单位": "lead_units", "参与单位": "participating_units", "责任单位": "units",
            "完成时限": "deadline"}.get(match.group(4), "leaders")


def keywords(flat: str, vocab: Vocabulary, leaders=(), units=(), deadline=None) -> tuple[str, ...]:
    """Content words left once scope, names and question wording are cut out, as segments."""
    text = _NUMBER.sub("|", cues.YEAR.sub("|", flat))
    for word, _ in cues.RELATIVE_YEARS:
        text = text.replace(word, "|")
    for period in PERIODS:
        text = period.pattern.sub("|", text)
    text = cues.MEASURE.sub(lambda m: "|" + m.group(2), text)
    for name in leaders:
        text = text.replace(name, "|")
    keys = set(units)
    for alias in sorted((a for a, key in vocab.unit_aliases if key in keys), key=len, reverse=True):
        text = text.replace(alias, "|")  # longest first: 市X局 before X局, or its 市 is left as a word
    for place in vocab.places:  # 某某市 anywhere; 某某 alone only where a phrase starts (某某段 is a name)
        text = re.sub(rf"{re.escape(place)}|(?<![\u4e00-\u9fff]){re.escape(place_stem(place))}", "|", text)
    for word in vocab.task_words:
        text = text.replace(word, "|")
    for phrase in (deadline, *(m.group(0) for m in _MISSING.finditer(text))):
        if phrase:
            text = text.replace(phrase, "|")
    text = cues.CUE_WORDS.sub("|", text)
    parts = (p.strip(cues.EDGE_CHARS) for p in re.split(r"[|\s，,。、：:;；？?！!（）()“”\"'《》]+", text))
    return tuple(p for p in parts if p)


def _has_filters(question: Question) -> bool:
    return bool(question.leaders or question.units or question.sections or question.deadline
                or question.on_schedule or question.missing or question.kind)


def _plan_question(question: Question) -> bool:
    """A figure about the plan (要求, 目标, a task) rather than what has been done."""
    return question.kind == "task" or any(a.wants_plan for a in question.asks if a.wants_figure)


def _is_cross(flat: str, years: tuple[int, ...], asks: tuple[Ask, ...], task_words: tuple[str, ...] = ()) -> bool:
    """Whether the question asks the task notice and the tables, or two years, side by side."""
    kinds = {a.kind for a in asks if a.kind}
    task_named = bool(cues.TASK_WORDS.search(flat)) or any(w in flat for w in task_words)
    both_named = task_named and bool(cues.TARGET_WORDS.search(flat))
    return len(kinds) > 1 or len(years) > 1 or both_named or bool(cues.BOTH_DOCUMENTS.search(flat))


def unit_matches(record_units, key: str) -> bool:
    """Whether any of a record's units is the unit with this key."""
    return any(unit_is(u, key) for u in record_units)
