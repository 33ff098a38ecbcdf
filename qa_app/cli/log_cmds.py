"""`qa log`: the questions a server was asked, their ratings, and the eval lines made from them.

`log_options` adds --log-db (QA_LOG_DB), QA_LOG and QA_LOG_DAYS to a command taking `settings`; the
variables are read here, in the CLI, like every other setting.
"""

from __future__ import annotations

import functools
import json
import os
import re
from datetime import datetime
from pathlib import Path

import click

from qa_app.cli import main, settings_options
from qa_app.feedback import RATINGS, Query, read_entries
from qa_app.feedback.report import write_eval
from qa_app.settings import Settings

OFF = ("off", "0", "false", "no")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def log_settings(settings: Settings, log_db: Path | None, environ) -> Settings:
    """The log's settings: --log-db / QA_LOG_DB, QA_LOG=off, QA_LOG_DAYS (a positive whole number)."""
    raw_days = (environ.get("QA_LOG_DAYS") or "").strip()
    days = settings.log_days
    if raw_days:
        if not raw_days.isdigit() or int(raw_days) < 1:
            raise click.UsageError(f"QA_LOG_DAYS={raw_days!r}: expected a positive whole number of days")
        days = int(raw_days)
    enabled = (environ.get("QA_LOG") or "on").strip().lower() not in OFF
    return settings.with_(log_db=log_db, log_enabled=enabled, log_days=days)


def log_options(func):
    """--log-db (QA_LOG_DB) and the QA_LOG / QA_LOG_DAYS variables, folded into `settings`; place it
    under @settings_options."""

    @click.option("--log-db", envvar="QA_LOG_DB", default=None, type=click.Path(dir_okay=False, path_type=Path),
                  help="The question log, an SQLite file (QA_LOG_DB); default INDEX/../qa_log.sqlite3. "
                       "QA_LOG=off keeps no log; QA_LOG_DAYS (default 365) is how long rows are kept.")
    @functools.wraps(func)
    def wrapper(settings: Settings, log_db: Path | None, **kwargs):
        return func(settings=log_settings(settings, log_db, os.environ), **kwargs)

    return wrapper


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected a day as YYYY-MM-DD", param_hint="--since") from None
    return value


@main.command("log")
@click.option("--abstained", is_flag=True, help="Only questions answered with 文件中未找到.")
@click.option("--rating", type=click.Choice(RATINGS), default=None, help="Only answers rated up or down.")
@click.option("--since", default=None, help="Only questions asked on or after this day (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help='Print {"questions": [...]} as JSON.')
@click.option("--to-eval", "to_eval", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the abstained and rated-down questions as eval lines (type from_log) to review.")
@settings_options
@log_options
def log_command(settings: Settings, abstained: bool, rating: str | None, since: str | None, as_json: bool,
                to_eval: Path | None) -> None:
    """The logged questions of `qa serve`, oldest first (docs/feedback.md)."""
    query = Query(abstained=True if abstained else None, rating=rating, since=_since(since))
    entries = read_entries(settings.log_path(), query)
    if to_eval is not None:
        written = write_eval(entries, to_eval)
        click.echo(f"wrote {written} questions to {to_eval} (type from_log: review them before adding to eval/)",
                   err=True)
        return
    if as_json:
        click.echo(json.dumps({"questions": [e.to_dict() for e in entries]}, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        mark = "未找到" if entry.abstained else entry.short[:30]
        rated = {"up": " 👍", "down": " 👎"}.get(entry.rating or "", "")
        comment = f"（{entry.comment}）" if entry.comment else ""
        click.echo(f"{entry.time[:19]}  {entry.question}  → {mark}{rated}{comment}")
