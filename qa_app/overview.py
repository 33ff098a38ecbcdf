"""Aggregates over the records, one group per year + period + document kind.

The same figures serve `qa overview`, the chat's overview answers and the web page's 概览 tab, so
the three can never disagree. A target with a continuation row (its second leader or unit on a row
of its own) counts once: `one_per_target` folds the row into its target, whose leader and unit
tallies include the continuation's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa_app.profile import document_name
from qa_app.records import Record, one_per_target, parent_id

KIND_NAMES = {"target": "推进情况表", "task": "重点工作任务"}
EMPTY = "（未写明）"


@dataclass(frozen=True)
class Group:
    """One year + period + kind: how many items, and how they divide."""

    year: int | None
    period: str
    kind: str
    title: str
    items: int
    on_schedule: dict[str, int]
    by_leader: dict[str, int]
    by_unit: dict[str, int]
    by_deadline: dict[str, int]
    record_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The group in words: 2023年三季度推进情况表, or a notice by its own name."""
        if self.kind == "task":
            return document_name(self.title)
        return f"{self.year or ''}年{self.period}{KIND_NAMES.get(self.kind, '')}"

    def to_dict(self) -> dict:
        return {"year": self.year, "period": self.period, "kind": self.kind, "title": self.title,
                "items": self.items, "on_schedule": dict(self.on_schedule), "by_leader": dict(self.by_leader),
                "by_unit": dict(self.by_unit), "by_deadline": dict(self.by_deadline)}


def overview(records: Sequence[Record], year: int | None = None, period: str | None = None,
             kind: str | None = None) -> list[Group]:
    """One Group per year + period + kind among the records (in reading order), after the filters."""
    chosen = [r for r in records if (year is None or r.year == year) and (period is None or r.period == period)
              and (kind is None or r.kind == kind)]
    keys = list(dict.fromkeys((r.year, r.period, r.kind) for r in chosen))
    return [group_of([r for r in chosen if (r.year, r.period, r.kind) == key]) for key in keys]


def group_of(records: Sequence[Record]) -> Group:
    """The aggregates of records of one group (continuation rows counted with their target)."""
    main = one_per_target(list(records))
    extra = {}
    for record in records:
        parent = parent_id(record.id)
        if parent is not None and record not in main:
            extra.setdefault(parent, []).append(record)
    leaders: Counter = Counter()
    units: Counter = Counter()
    for record in main:
        rows = [record, *extra.get(record.id, ())]
        leaders.update(list(dict.fromkeys(n for r in rows for n in r.leaders)))
        units.update(list(dict.fromkeys(u for r in rows for u in _units(r))))
    first = main[0] if main else records[0]
    return Group(year=first.year, period=first.period, kind=first.kind, title=first.title, items=len(main),
                 on_schedule=_tally(r.on_schedule for r in main if r.kind == "target"),
                 by_leader=_sorted(leaders), by_unit=_sorted(units),
                 by_deadline=_tally(r.deadline for r in main if r.kind == "target"),
                 record_ids=tuple(r.id for r in main))


def records_of(records: Sequence[Record], group: Group, leader: str | None = None,
               unit: str | None = None) -> list[Record]:
    """The group's records (continuations folded in), those of one leader or unit when asked."""
    wanted = set(group.record_ids)
    rows = [r for r in records if r.id in wanted or parent_id(r.id) in wanted]
    out = []
    for record in rows:
        if record.id not in wanted:
            continue
        family = [r for r in rows if r.id == record.id or parent_id(r.id) == record.id]
        if leader and not any(leader in r.leaders for r in family):
            continue
        if unit and not any(unit in _units(r) for r in family):
            continue
        out.append(record)
    return out


def _units(record: Record) -> tuple[str, ...]:
    """A task counts under its lead units (its participants are many and secondary); a target under
    its responsible units."""
    return record.lead_units or record.units if record.kind == "task" else record.units


def _tally(values: Iterable[str]) -> dict[str, int]:
    return _sorted(Counter(v or EMPTY for v in values))


def _sorted(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
