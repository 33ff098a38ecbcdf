"""`qa overview`: the corpus in figures, per year + period + document (the web page's 概览 tab)."""

from __future__ import annotations

import json

import click

from qa_app.cli import main, settings_options
from qa_app.overview import overview as aggregate
from qa_app.parsing import load_corpus
from qa_app.profile import find_period
from qa_app.settings import Settings


@main.command()
@click.option("--year", type=int, default=None, help="Only this year (e.g. 2023).")
@click.option("--period", default=None, help="Only this period: 一季度, 上半年, 三季度, 全年任务…")
@click.option("--kind", type=click.Choice(["target", "task"]), default=None,
              help="Only progress-table targets or notice tasks.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"groups\": [...]} as JSON.")
@settings_options
def overview(settings: Settings, year, period, kind, as_json) -> None:
    """Count targets and tasks per document: on schedule, by leader, by unit, by deadline."""
    if period:
        period = period if period == "全年任务" else (find_period(period) or period)
    groups = aggregate(load_corpus(settings.corpus_dir).records, year=year, period=period, kind=kind)
    if as_json:
        click.echo(json.dumps({"groups": [g.to_dict() for g in groups]}, ensure_ascii=False, indent=2))
        return
    if not groups:
        click.echo("没有符合条件的条目。")
    for group in groups:
        click.echo(f"{group.label}：{group.items}项")
        for name, counts in (("是否按计划", group.on_schedule), ("分管市领导", group.by_leader),
                             ("单位", group.by_unit), ("完成时限", group.by_deadline)):
            if counts:
                click.echo(f"  {name}：" + "、".join(f"{k} {n}" for k, n in counts.items()))
