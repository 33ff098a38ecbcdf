"""Web pages saved from a government portal (.html/.htm): the article's paragraphs and tables only.

A saved page is mostly the site: navigation, breadcrumb ("当前位置：首页 > 政务公开"), side links,
share buttons, footer, scripts. Those are dropped by what they are (<nav>, <footer>, <script> …)
and by their class or id (nav, breadcrumb, footer …); the article is the element a portal's
editor writes into (id "zoom", class "TRS_Editor", "article-content" …) or, failing those, the
block that holds the most text outside links. Its paragraphs become one-cell rows and its tables
rows of cells, a cell merged down (rowspan) filled as the .docx reader fills it; the page's <h1>
(or its <title> up to the site name) comes first, as a document's title.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Box, Grid, decode_text, fill_merged
from qa_app.parsing.guards import Budget, check_file_size
from qa_app.settings import Limits

_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "header", "footer", "aside", "button",
              "select", "input", "textarea", "svg", "object", "embed", "template")
_SITE = re.compile(r"(^|[\s_-])(nav|menu|breadcrumb|crumbs?|location|position|footer|foot|bottom|copyright|"
                   r"header|top|banner|logo|sidebar|side|share|toolbar|tools|search|login|links?|friend|"
                   r"print|fontsize|zihao|pager|related|gotop)($|[\s_-])", re.IGNORECASE)
# The editor's element, most specific first: a portal's article body, then any "article"/"content".
_ARTICLE_NAMES = ("zoom", "trs_editor", "article-content", "article_content", "articlecontent", "content-text",
                  "detail-content", "pages_content", "con_text", "view", "main-content", "article", "content")
_ARTICLE = re.compile("^(" + "|".join(_ARTICLE_NAMES) + ")$", re.IGNORECASE)
_BLOCKS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl",
           "dd", "dt", "pre", "blockquote", "center", "tr", "tbody", "thead"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def read_html(path: Path, name: str, limits: Limits) -> list[Grid]:
    """The article of a saved page: its title, paragraphs and tables, without the site around them."""
    import lxml.html
    from lxml import etree

    check_file_size(path, name, limits)
    data = path.read_bytes()
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    try:
        root = lxml.html.document_fromstring(_text(data, name), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise CorpusError(f"{name}: not a readable web page ({exc})") from None
    title = _title(root)
    for element in list(root.iter(*_DROP_TAGS)):
        _remove(element)
    article = _article(root)
    for element in [e for e in article.iter() if isinstance(e.tag, str) and _is_site(e)]:
        _remove(element)
    for br in article.iter("br"):
        br.tail = "\n" + (br.tail or "")
    budget, grid, boxes = Budget(name, limits), Grid(""), []
    rows = _Rows(grid, budget, boxes)
    if title and title not in article.text_content():
        rows.paragraph(title)
    rows.walk(article)
    rows.flush()
    grid.rows = fill_merged(grid.rows, boxes, budget)
    return [grid]


def _text(data: bytes, name: str) -> str:
    """The page as text: the charset its <meta> names (GBK pages are common), else UTF-8/GB18030."""
    found = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", data[:4096], re.IGNORECASE)
    if found:
        try:
            return data.decode(found.group(1).decode("ascii").lower().replace("gb2312", "gb18030"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)


def _remove(element) -> None:
    parent = element.getparent()
    if parent is not None:
        element.drop_tree()


def _is_site(element) -> bool:
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(_SITE.search(names)) and not _ARTICLE.search(element.get("id", "") or "")


def _title(root) -> str:
    heading = next((h for h in root.iter("h1") if h.text_content().strip()), None)
    if heading is not None:
        return _clean(heading.text_content())
    found = root.find(".//title")
    return re.split(r"[_|－—-]", _clean(found.text_content()))[0].strip() if found is not None else ""


def _article(root):
    """The editor's element by its id or class, else the block with the most text outside links."""
    body = root.find("body") if root.find("body") is not None else root
    ranked = []
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        names = [n.lower() for n in [element.get("id", "")] + (element.get("class", "") or "").split() if n]
        ranks = [_ARTICLE_NAMES.index(n) for n in names if n in _ARTICLE_NAMES]
        if ranks and len(element.text_content().strip()) > 20:
            ranked.append((min(ranks), len(ranked), element))
    if ranked:
        return min(ranked, key=lambda item: item[:2])[2]
    best, score = body, 0
    for element in body.iter("div", "section", "article", "main"):
        text = len(element.text_content())
        links = sum(len(a.text_content()) for a in element.iter("a"))
        own = text - links - sum(len(c.text_content()) for c in element if c.tag in ("div", "section"))
        if own + (text - links) // 4 > score:
            best, score = element, own + (text - links) // 4
    return best


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class _Rows:
    """Lays the article's text and tables into the grid in reading order."""

    def __init__(self, grid: Grid, budget: Budget, boxes: list[Box]):
        self.grid, self.budget, self.boxes = grid, budget, boxes
        self.inline: list[str] = []
        self.tables = 0

    def paragraph(self, text: str) -> None:
        for line in text.split("\n"):
            line = _clean(line)
            if line:
                number = len(self.grid.rows) + 1
                self.grid.add(self.budget.take([line], "", number), ("", number))

    def flush(self) -> None:
        self.paragraph("".join(self.inline))
        self.inline = []

    def walk(self, element) -> None:
        if element.text:
            self.inline.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "table":
                self.flush()
                self.table(child)
            elif child.tag in _BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)
            if child.tail:
                self.inline.append(child.tail)

    def table(self, table) -> None:
        """Rows of cells on the table's grid: colspan adds empty cells, rowspan makes a box."""
        self.tables += 1
        label, start = f"table {self.tables}", len(self.grid.rows)
        below: dict[int, int] = {}  # column → rows a rowspan above still covers
        for r, tr in enumerate(tr for tr in table.iter("tr") if _own_table(tr, table)):
            cells: list[str] = []
            tds = [td for td in tr if td.tag in ("td", "th")]
            self.budget.take_width(sum(_span(td.get("colspan")) for td in tds) + len(below), label, r + 1)
            for td in tds:
                while below.get(len(cells), 0) > 0:
                    below[len(cells)] -= 1
                    cells.append("")
                span, down = _span(td.get("colspan")), _span(td.get("rowspan"))
                if down > 1:
                    self.boxes.append((start + r, len(cells), start + r + down - 1, len(cells)))
                    below[len(cells)] = down - 1
                cells += ["\n".join(_clean(t) for t in td.text_content().split("\n") if _clean(t))] + [""] * (span - 1)
            while below.get(len(cells), 0) > 0:
                below[len(cells)] -= 1
                cells.append("")
            self.grid.add(self.budget.check_cells(cells, label, r + 1), (label, r + 1))


def _own_table(tr, table) -> bool:
    return next(tr.iterancestors("table"), None) is table


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 1000)
    except ValueError:
        return 1
