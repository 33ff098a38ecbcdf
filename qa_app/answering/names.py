"""Names resolved before anything runs: each unit, leader, place and number a question names is
matched to the corpus, or the question abstains saying which name is missing.

A list that matches nothing must not say "0项" for a name the documents do not have, so every name
is resolved first, in this order:
- exact: the corpus's own spelling (or its stem: 市场监管局 for 市市场监管局, traditional characters);
- alias: an old or common unit name from data/unit_aliases.tsv (市环保局 → 市生态环境局);
- short: characters of a known name in order (市公路中心 → 市公路事业发展中心; for terms of the
  records' wording see short_names.py: 社零额 → 社会消费品零售总额);
- slip: one wrong, missing or extra character in a unit or leader name of three characters or more;
and otherwise the name is missing and `missing_message` says so ("文件中没有名为李明的市政府领导").

API (the index is built once per record set and is read-only, so threads may share it):
- `build_name_index(records, vocab=None, words=None) -> NameIndex`
- `resolve_units(text, index) -> tuple[Resolution, ...]`, `resolve_unit(text, index) -> Resolution | None`
- `resolve_leaders(text, index, years=()) -> tuple[Resolution, ...]`, `resolve_leader(...)`
- `expand_short_names(text, index) -> (rewritten matching form, ((short, long), ...))`
- `resolve_question(text, index, years=()) -> QuestionNames`: all of them once (units, leaders, short
  names, the place, numerals in digits) and `.abstain`, the first missing name's message
- missing.py: `missing_place(text, index) -> str | None`, `number_beyond(records_in_scope, n) -> str | None`
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jieba
from rapidfuzz.distance import Levenshtein

from qa_app.answering.missing import missing_place
from qa_app.answering.names_rules import NameRules, flat_form, name_rules, segments, surnames
from qa_app.answering.numerals import digits_for_numerals
from qa_app.answering.short_names import ShortNames, build_short_names
from qa_app.answering.unit_aliases import unit_alias_table
from qa_app.answering.vocabulary import Vocabulary, build_vocabulary, find_leaders, simplify, take_names
from qa_app.fields import catalog
from qa_app.records import Record

jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class Resolution:
    """A name as the question writes it, and the corpus's name it stands for (None when missing)."""

    asked: str
    found: str | None
    how: str | None                  # "exact" | "alias" | "short" | "slip" | None (missing)
    missing_message: str | None = None


@dataclass(frozen=True)
class NameIndex:
    """What resolving needs from one record set, computed once."""

    vocab: Vocabulary
    short_names: ShortNames
    alias_forms: frozenset[str]                      # unit forms that come from the alias table
    leader_years: tuple[tuple[str, tuple[int, ...]], ...]
    unit_forms: tuple[str, ...] = ()                 # every unit spelling, longest first
    unit_spellings: tuple[tuple[str, str], ...] = ()  # (as the records write it, key)
    unit_keys: tuple[tuple[str, str], ...] = ()      # spelling → key (vocab.unit_aliases)


def build_name_index(records: Iterable[Record], vocab: Vocabulary | None = None,
                     words: jieba.Tokenizer | None = None) -> NameIndex:
    """`words`: a jieba tokenizer already initialised (Knowledge.words), else a private one."""
    records = list(records)
    vocab = vocab or build_vocabulary(records)
    if words is None:
        words = jieba.Tokenizer()
        words.initialize()
    words.lcut("预热")  # jieba loads its unknown-word model on the first cut: here, not in a question
    years: dict[str, set[int]] = {}
    for r in records:
        for leader in r.leaders:
            years.setdefault(simplify(leader), set()).update([r.year] if r.year else [])
    keys = dict(vocab.unit_aliases)
    return NameIndex(vocab=vocab, short_names=build_short_names(records, words.lcut, lambda w: words.FREQ.get(w, 0)),
                     alias_forms=unit_alias_table().shorts,
                     leader_years=tuple((n, tuple(sorted(y))) for n, y in sorted(years.items())),
                     unit_forms=tuple(a for a, _ in vocab.unit_aliases),
                     unit_spellings=tuple((simplify(u), keys[simplify(u)]) for u in vocab.units if simplify(u) in keys),
                     unit_keys=vocab.unit_aliases)


def resolve_units(text: str, index: NameIndex) -> tuple[Resolution, ...]:
    """Every unit the question names, resolved or missing, in the order: known spellings first."""
    vocab = index.vocab
    keys = dict(index.unit_keys)
    rules = name_rules()
    forms, rest = take_names(flat_form(text), index.unit_forms)
    out = [Resolution(f, vocab.unit_name(keys[f]), "alias" if f in index.alias_forms else "exact") for f in forms]
    _, rest = take_names(rest, (*rules.person_titles, *rules.not_units))
    for mention in _unit_mentions(rest, rules):
        if not index.short_names.written(mention):  # 市立医院东院 is a place the records name
            out.append(_resolve_unit_mention(mention, index))
    return tuple(out)


def resolve_unit(text: str, index: NameIndex) -> Resolution | None:
    found = resolve_units(text, index)
    return found[0] if found else None


def _unit_mentions(flat: str, rules: NameRules) -> list[str]:
    """Unit-like names left in a question (市 + … + 局/委/办…, 3 to unit_max_len characters):
    the longest in each piece, starting where a word may start."""
    mentions = []
    for piece in segments(flat, rules.stop_words, rules.unit_breaks + rules.marks):
        start = piece.find(rules.unit_start)
        while start >= 0:
            ends = [j for j in range(start + 2, min(len(piece), start + rules.unit_max_len))
                    if piece[j] in rules.unit_suffixes]
            if ends and (start == 0 or not "\u4e00" <= piece[start - 1] <= "\u9fff"):
                mentions.append(piece[start:ends[-1] + 1])
                break
            start = piece.find(rules.unit_start, start + 1)
    return mentions


def _resolve_unit_mention(mention: str, index: NameIndex) -> Resolution:
    """A unit name no spelling matched whole: a short name of a corpus or table spelling (same first
    and last character, the others in order), one slip from a corpus spelling, or missing."""
    vocab = index.vocab
    keys = dict(index.unit_keys)
    written = index.unit_spellings
    forms = [*written, *((f, keys[f]) for f in index.alias_forms if f in keys)]
    longer = [(len(f), f, k) for f, k in forms if len(f) > len(mention)
              and f[0] == mention[0] and f[-1] == mention[-1] and _in_order(mention, f)]
    if longer:
        return Resolution(mention, vocab.unit_name(min(longer)[2]), "short")
    limit = 1 if len(mention) < 7 else 2
    near = min(((Levenshtein.distance(mention, f), f, k) for f, k in written if len(f) >= 4), default=None)
    if near and near[0] <= limit:
        return Resolution(mention, vocab.unit_name(near[2]), "slip")
    return Resolution(mention, None, None, f"文件中没有名为{mention}的单位")


def _in_order(short: str, long: str) -> bool:
    pos = -1
    for char in short:
        pos = long.find(char, pos + 1)
        if pos < 0:
            return False
    return True


def resolve_leaders(text: str, index: NameIndex, years: Sequence[int] = ()) -> tuple[Resolution, ...]:
    """Every leader the question names: the corpus's leaders as written or with one slip, and a
    person named by a title or 分管 who is not one of them (missing). With `years`, a leader who
    is in none of those years' documents is missing too."""
    flat = flat_form(text)
    vocab = index.vocab
    found, rest = take_names(flat, vocab.leaders)
    out = [Resolution(n, n, "exact") for n in found]
    for person in _person_mentions(rest, index):
        near = [(Levenshtein.distance(person, n), n) for n in vocab.leaders
                if n[0] == person[0] and max(len(n), len(person)) >= 3]
        best = min(near, default=None)
        if best and best[0] <= 1:
            out.append(Resolution(person, best[1], "slip"))
        elif not index.short_names.written(person):  # a name the records write is a place or a term
            out.append(Resolution(person, None, None, f"文件中没有名为{person}的{catalog().label('leaders')}"))
    if not out:
        out = [Resolution(n, n, "slip") for n in find_leaders(rest, vocab)]
    return tuple(_in_years(r, index, years) for r in out)


def resolve_leader(text: str, index: NameIndex, years: Sequence[int] = ()) -> Resolution | None:
    found = resolve_leaders(text, index, years)
    return found[0] if found else None


def _in_years(res: Resolution, index: NameIndex, years: Sequence[int]) -> Resolution:
    held = dict(index.leader_years).get(res.found or "", ())
    if not years or res.found is None or not held or set(years) & set(held):
        return res
    asked = "、".join(f"{y}年" for y in years)
    return Resolution(res.asked, None, None,
                      f"{asked}的文件中没有{res.found}分管的目标（{res.found}见于{'、'.join(f'{y}年' for y in held)}的文件）")


def _person_mentions(flat: str, index: NameIndex) -> list[str]:
    """Names a question gives a person: after a title (副市长李明) or before one (李明副市长, 李明分管);
    two or three characters starting with a surname, no common word."""
    rules = name_rules()
    found: list[str] = []
    for words, after in ((rules.person_titles, True), (rules.person_cues_after, False)):
        for word in words:
            pos = flat.find(word)
            while pos >= 0:
                name = _name_next_to(flat, pos + len(word) if after else pos, after, index, rules)
                if name and name not in found:
                    found.append(name)
                pos = flat.find(word, pos + len(word))
    return found


def _name_next_to(flat: str, pos: int, after: bool, index: NameIndex, rules: NameRules) -> str | None:
    run = ""
    step = range(pos, min(len(flat), pos + 3)) if after else range(pos - 1, max(-1, pos - 4), -1)
    for i in step:
        char = flat[i]
        if not "\u4e00" <= char <= "\u9fff" or char in rules.not_in_person_name:
            break
        run = run + char if after else char + run
    for name in (run, run[1:] if not after else run[:2]):
        if len(name) >= 2 and name[0] in surnames() and index.short_names.word_freq(name) < rules.common_word_freq:
            return name
    return None


def expand_short_names(text: str, index: NameIndex,
                       resolved: Iterable[Resolution] | None = None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The question's matching form with each short name of a records' term replaced by the term
    (社零额 → 社会消费品零售总额), and the pairs; unit and leader names (`resolved`, else found
    here) are left to their resolvers."""
    if resolved is None:
        resolved = (*resolve_units(text, index), *resolve_leaders(text, index))
    return index.short_names.expand(text, [r.asked for r in resolved])


@dataclass(frozen=True)
class QuestionNames:
    """Every name of one question, resolved once: what the plan's slots take, and why it abstains."""

    units: tuple[Resolution, ...]
    leaders: tuple[Resolution, ...]
    short_names: tuple[tuple[str, str], ...]
    rewritten: str                   # the matching form, short names replaced, numerals in digits
    missing: tuple[str, ...]         # every missing name's message, the place's first

    @property
    def abstain(self) -> str | None:
        return self.missing[0] if self.missing else None


def resolve_question(text: str, index: NameIndex, years: Sequence[int] = ()) -> QuestionNames:
    """All of the above for one question (the place, units, leaders, short names, numerals)."""
    units, leaders = resolve_units(text, index), resolve_leaders(text, index, years)
    rewritten, pairs = expand_short_names(text, index, (*units, *leaders))
    place = missing_place(text, index)
    missing = tuple(m for m in (place, *(r.missing_message for r in (*units, *leaders))) if m)
    return QuestionNames(units, leaders, pairs, digits_for_numerals(rewritten), missing)
