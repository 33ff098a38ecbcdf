"""The corpus's own names (leaders, units, sections, quoted names, deadlines) and how to find them.

Questions name things loosely: 市场监管局 for 市市场监管局, 发改委 for 市发展改革委, 曹 临 for 曹临,
traditional characters, a one-character typo. Everything here is built from the records, so a new
corpus brings its own vocabulary; only the table of common short forms (data/unit_aliases.tsv) is
written by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz.distance import Levenshtein

from qa_app.answering.cues import PLACE_IN_TEXT
from qa_app.answering.unit_aliases import unit_alias_table
from qa_app.profile import notice_word, place_stem, record_place
from qa_app.records import Record
from qa_app.text import fold_variants, normalize

# Kinds of unit a question may name as a group ("县区人民政府或管委会"): key → what the unit ends with.
UNIT_CATEGORIES = {"县区人民政府": r"(县|区)(人民)?政府$", "县区政府": r"(县|区)(人民)?政府$",
                   "管委会": r"管委会$", "国有企业": r"(集团|公司)$"}
_UNIT_SUFFIX = re.compile(r"[局委办部会府司团心行校院关联处]$")
_QUOTED = re.compile(r"“([^”]{2,20})”")
_SECTION_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")


def simplify(text: str) -> str:
    """Matching form of a question: NFKC, no whitespace, traditional characters made simplified."""
    return fold_variants(normalize(text))


_CITY_PREFIX = re.compile(r"^(?:(?:(?!市)[\u4e00-\u9fff]){2,3}市|市)(?=[\u4e00-\u9fff]{2})")


def unit_key(name: str) -> str:
    """Compare units by stem: 某某市住房和城乡建设局, 市住房和城乡建设局 and 住房城乡建设局 are one
    unit (a county's 县发改局 keeps its prefix: it is another unit)."""
    key = _CITY_PREFIX.sub("", normalize(name), count=1)
    return key.replace("和", "").replace("人民政府", "政府")


@dataclass(frozen=True)
class Vocabulary:
    """Names found in the records; `unit_aliases` maps a written form to a unit key."""

    leaders: tuple[str, ...]
    units: tuple[str, ...]
    unit_names: tuple[tuple[str, str], ...]
    unit_aliases: tuple[tuple[str, str], ...]
    sections: tuple[str, ...]
    quoted: tuple[str, ...]
    deadlines: tuple[str, ...]
    years: tuple[int, ...]
    periods: tuple[str, ...]
    places: tuple[str, ...] = ()      # from document titles (某某市, 某某县)
    mentioned: frozenset = frozenset()  # every 某某市/县/省 written anywhere in the records
    task_words: tuple[str, ...] = ()  # how questions name a notice (the word before its year)

    def unit_name(self, key: str) -> str:
        """The corpus's most frequent spelling of a unit key."""
        return dict(self.unit_names).get(key, key)

    @cached_property
    def spelled_units(self) -> tuple[tuple[str, str], ...]:
        """The aliases a near spelling may match (long enough, ending like a unit), listed once per
        vocabulary rather than filtered again for every question."""
        return tuple((a, k) for a, k in self.unit_aliases if len(a) >= 4 and _UNIT_SUFFIX.search(a))


def build_vocabulary(records: Iterable[Record]) -> Vocabulary:
    records = list(records)
    unit_counts = Counter(u for r in records for u in r.units)
    names: dict[str, str] = {}
    for unit, _ in unit_counts.most_common():
        names.setdefault(unit_key(unit), unit)
    return Vocabulary(
        leaders=tuple(sorted({normalize(n) for r in records for n in r.leaders}, key=lambda n: (-len(n), n))),
        units=tuple(unit_counts),
        unit_names=tuple(names.items()),
        unit_aliases=_unit_aliases(names, [record_place(r) for r in records]),
        sections=tuple(dict.fromkeys(r.section for r in records if r.section)),
        quoted=tuple(sorted({normalize(q) for r in records for q in _QUOTED.findall(r.content)},
                            key=lambda n: (-len(n), n))),
        deadlines=tuple(sorted({normalize(r.deadline) for r in records if r.deadline}, key=lambda n: (-len(n), n))),
        years=tuple(sorted({r.year for r in records if r.year})),
        periods=tuple(dict.fromkeys(r.period for r in records if r.period)),
        places=tuple(dict.fromkeys(p for p in (record_place(r) for r in records) if p)),
        mentioned=frozenset(_mentioned_places(records)),
        task_words=tuple(dict.fromkeys(w for w in (notice_word(r.title) for r in records if r.kind == "task") if w)),
    )


def _mentioned_places(records: list[Record]) -> set[str]:
    """Places written in titles, wording, progress and unit names (so 某某县 in a target is known)."""
    found: set[str] = set()
    for r in records:
        for text in (r.title, r.content, r.progress, *r.units):
            found.update(m.group(1)[i:] + m.group(2) for m in PLACE_IN_TEXT.finditer(normalize(text))
                         for i in range(len(m.group(1)) - 1))
    return found


def _unit_aliases(names: dict[str, str], places: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
    """Every written form of each unit: as written, its stem, 市 + stem, the documents' city (某某市,
    某某) + stem or stem without it (某某黄河河务局 → 黄河河务局), known short forms."""
    cities = sorted({p for place in set(places) if place.endswith("市") for p in (place, place_stem(place))})
    aliases: dict[str, str] = {}
    for key, name in names.items():
        bare = [key[len(city):] for city in cities if key.startswith(city)]
        for form in (normalize(name), key, "市" + key, *(city + key for city in cities), *bare):
            if len(form) >= 3:
                aliases.setdefault(form, key)
        if "和" in name:
            aliases.setdefault(normalize(name).replace("和", ""), key)
    stems = {key[len(city):] if key.startswith(city) else key: key for key in names for city in ("", *cities)}
    for form, key in unit_alias_table().forms(stems):
        aliases.setdefault(form, key)
    return tuple(sorted(aliases.items(), key=lambda item: (-len(item[0]), item[0])))


def unit_is(name: str, key: str) -> bool:
    """Whether a unit as written is the unit with this key, or of this category."""
    pattern = UNIT_CATEGORIES.get(key)
    return bool(re.search(pattern, normalize(name))) if pattern else unit_key(name) == key


def take_names(text: str, names: Iterable[str]) -> tuple[list[str], str]:
    """Names found in text, longest first; each found span is blanked so it is not found twice."""
    found = []
    for name in names:
        if name and name in text:
            found.append(name)
            text = text.replace(name, "\u3000" * len(name))
    return found, text


def find_leaders(text: str, vocab: Vocabulary) -> tuple[str, ...]:
    """Leaders named in a simplified question; a three-character name may carry one wrong character."""
    found, rest = take_names(text, vocab.leaders)
    if found:
        return tuple(found)
    for name in vocab.leaders:
        if len(name) < 3:
            continue
        for start in range(len(rest) - len(name) + 1):
            window = rest[start:start + len(name)]
            if window[0] == name[0] and Levenshtein.distance(window, name) == 1:
                return (name,)
    return ()


def find_units(text: str, vocab: Vocabulary) -> tuple[str, ...]:
    """Unit keys named in a simplified question, by alias, then by a near spelling with the same
    suffix; a kind of unit ("县区人民政府") is its category key."""
    categories, text = take_names(text, UNIT_CATEGORIES)
    found, rest = take_names(text, (alias for alias, _ in vocab.unit_aliases))
    keys = dict(vocab.unit_aliases)
    if found or categories:
        return tuple(dict.fromkeys([*(keys[a] for a in found), *categories]))
    for alias, key in vocab.spelled_units:
        limit = 1 if len(alias) < 7 else 2
        if any(Levenshtein.distance(window, alias) <= limit for window in _windows_ending(rest, alias)):
            return (key,)
    return ()


def _windows_ending(text: str, name: str):
    """Substrings of `text` one character shorter, as long or longer than `name` that end with its
    last character: only where that character occurs, not every window of the text."""
    end = text.find(name[-1])
    while end >= 0:
        for size in (len(name) - 1, len(name), len(name) + 1):
            if size <= end + 1:
                yield text[end + 1 - size:end + 1]
        end = text.find(name[-1], end + 1)


def section_name(section: str) -> str:
    """A section heading without its numeral: 一、深入实施创新驱动发展战略 → 深入实施创新驱动发展战略."""
    return _SECTION_NUMBER.sub("", normalize(section))


def find_sections(text: str, vocab: Vocabulary, min_overlap: int = 4) -> tuple[str, ...]:
    """Sections whose name shares a run of at least `min_overlap` characters with the question."""
    found = []
    for section in vocab.sections:
        name = section_name(section)
        runs = (name[i:i + min_overlap] for i in range(len(name) - min_overlap + 1))
        if any(run in text for run in runs):
            found.append(section)
    return tuple(found)


def find_quoted(text: str, vocab: Vocabulary) -> tuple[str, ...]:
    """Quoted names from the records (小荷学堂, 一带一路) that the question mentions."""
    return tuple(take_names(text, vocab.quoted)[0])


def find_deadline(text: str, vocab: Vocabulary) -> str | None:
    """A deadline value written in the records (11月底, 长期坚持) that the question mentions."""
    found = take_names(text, vocab.deadlines)[0]
    return found[0] if found else None
