"""A question as a typed plan: scope, conditions, topic, the fields asked, one operation, sub-plans.

The plan is what the engine executes (execute.py runs it over the index's maps) and what every reply
states in one line ("按：2023年三季度 · 责任单位含市公路事业发展中心 · 列出全部"), so a person sees how
the question was read and a wrong reading is visible rather than silently answered. The JSON carries
it as `plan`. Nothing here reads records: the plan is data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from qa_app.fields import catalog


class Operation(Enum):
    """What is done with the records a plan selects."""

    LOOKUP = "lookup"      # one record's fields
    LIST = "list"          # every matching record
    COUNT = "count"        # how many match
    EXISTS = "exists"      # is there one (answered 有/没有 first), or do all match
    GROUP = "group"        # by unit, leader or section: the largest or smallest group
    COMPARE = "compare"    # the same conditions in two scopes side by side
    OVERVIEW = "overview"  # totals of a whole scope
    HELP = "help"          # greetings, "what can you do"


class Op(Enum):
    """How a condition tests a record field."""

    EQ = "="
    NE = "≠"
    CONTAINS = "含"
    NOT_CONTAINS = "不含"
    STARTS = "以…开头"
    MONTH_END = "具体到某月"     # a deadline that names a month (6月底), not 年底 or 持续推进
    BEFORE_MONTH = "月份不晚于"  # a deadline whose month is at most the value
    AT_LEAST = "≥"              # a count of names (units, leaders) at least the value
    EXACTLY = "恰为"            # a count of names exactly the value
    EMPTY = "未写明"
    ONLY_PARTICIPATING = "仅参与"  # in the participating column and not among the leads


# Operations answered with every matching record (never a top-k).
SET_OPERATIONS = frozenset({Operation.LIST, Operation.COUNT, Operation.EXISTS, Operation.GROUP, Operation.COMPARE})

_OPERATION_WORDS = {Operation.LOOKUP: "查找一条", Operation.LIST: "列出全部", Operation.COUNT: "计数",
                    Operation.EXISTS: "是否存在", Operation.GROUP: "分组比较", Operation.COMPARE: "分别比较",
                    Operation.OVERVIEW: "总体统计", Operation.HELP: "使用说明"}
_GROUP_WORDS = {"units": "单位", "lead_units": "牵头单位", "participating_units": "参与单位",
                "leaders": "市领导", "section": "部分", "counties": "区县",
                "record_units": "条目所挂单位数"}
_KIND_WORDS = {"target": "推进情况表", "task": "任务通知", "text": "其他文件"}
_COUNTED = {"units": "家", "lead_units": "家", "participating_units": "家", "leaders": "位"}


@dataclass(frozen=True)
class Condition:
    """One test on a record field: 完成时限 ≠ 年底, 责任单位 含 市水务局, 责任单位数 ≥ 2."""

    field: str
    op: Op
    value: str | int = ""

    def describe(self) -> str:
        label = catalog().reply_label(self.field) if self.field in _known_fields() else self.field
        if self.op in (Op.AT_LEAST, Op.EXACTLY):
            more = "及以上" if self.op is Op.AT_LEAST else ""
            return f"{label}{self.value}{_COUNTED.get(self.field, '项')}{more}"
        if self.op is Op.EMPTY:
            return f"未写明{label}"
        if self.op is Op.MONTH_END:
            return f"{label}具体到某月"
        if self.op is Op.BEFORE_MONTH:
            return f"{label}不晚于{self.value}月"
        if self.op is Op.ONLY_PARTICIPATING:
            return f"仅作为参与单位：{self.value}"
        if self.op is Op.STARTS:
            return f"{label}以“{self.value}”开头"
        if self.op in (Op.CONTAINS, Op.NOT_CONTAINS) and self.field in ("content", "progress", "text"):
            return f"{label}{self.op.value}“{self.value}”"
        return f"{label}{self.op.value}{self.value}"

    def to_dict(self) -> dict:
        return {"field": self.field, "op": self.op.name.lower(), "value": self.value}


def _known_fields() -> set[str]:
    return {f.name for f in catalog().fields}


@dataclass(frozen=True)
class Plan:
    """A question's plan. `scope` pairs are (year|period|kind|place|section|number, value);
    a sub-plan's result feeds `feeds` (the unit or leader of X becomes a condition) or answers a
    second ask of the same question."""

    operation: Operation
    scope: tuple[tuple[str, object], ...] = ()
    conditions: tuple[Condition, ...] = ()
    topic: str = ""
    fields: tuple[str, ...] = ()
    group_by: str = ""
    largest: bool = True
    subplans: tuple[Plan, ...] = ()
    feeds: str = ""
    notes: tuple[str, ...] = field(default=())  # how names were resolved: 社零额→社会消费品零售总额

    def with_(self, **changes) -> Plan:
        return replace(self, **changes)

    def describe(self) -> str:
        """The plan in one short line, opening with 按："""
        return "按：" + " · ".join(self._parts())

    def _parts(self) -> list[str]:
        parts = [p for p in (_scope_words(self.scope),) if p]
        parts += [f"先查{s._subject()}" for s in self.subplans if s.feeds]
        parts += [c.describe() for c in self.conditions]
        if self.topic:
            parts.append(f"关于“{self.topic}”")
        parts += list(self.notes)
        asked = [catalog().reply_label(f) if f in _known_fields() else f for f in self.fields]
        if asked and self.operation is Operation.LOOKUP:
            parts.append("问" + "、".join(asked))
        parts.append(self._operation_words())
        parts += [f"另问{s._subject()}" for s in self.subplans if not s.feeds]
        return parts

    def _operation_words(self) -> str:
        if self.operation is Operation.GROUP:
            return f"按{_GROUP_WORDS.get(self.group_by, self.group_by)}分组取{'最多' if self.largest else '最少'}"
        return _OPERATION_WORDS[self.operation]

    def _subject(self) -> str:
        what = "、".join(catalog().reply_label(f) if f in _known_fields() else f for f in self.fields)
        about = f"“{self.topic}”" if self.topic else "同一条目"
        where = _scope_words(self.scope) if self.scope else ""
        return f"{where if where != '全部文件' else ''}{about}" + (f"的{what}" if what else "")

    def to_dict(self) -> dict:
        return {"operation": self.operation.value, "scope": {k: v for k, v in self.scope},
                "conditions": [c.to_dict() for c in self.conditions], "topic": self.topic,
                "fields": list(self.fields), "group_by": self.group_by or None,
                "largest": self.largest if self.group_by else None, "feeds": self.feeds or None,
                "subplans": [s.to_dict() for s in self.subplans], "text": self.describe()}


def _scope_words(scope: tuple[tuple[str, object], ...]) -> str:
    values = dict(scope)
    out = ""
    if values.get("place"):
        out += str(values["place"])
    if values.get("year"):
        out += f"{values['year']}年"
    if values.get("period"):
        out += str(values["period"])
    if values.get("kind"):
        out += _KIND_WORDS.get(str(values["kind"]), str(values["kind"]))
    if values.get("section"):
        out += f"“{values['section']}”部分"
    if values.get("number") is not None:
        out += f"第{values['number']}项"
    return out or "全部文件"
