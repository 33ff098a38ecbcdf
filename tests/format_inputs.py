"""The bundled documents in other containers, built here from the .txt originals (tests and bench/formats.py).

A saved portal page (navigation, breadcrumb, footer and scripts around the article), a PDF printed
from it by headless Chromium (its own page header, footer and page numbers left on, the table's
header repeated on every page), a scanned page (text drawn with a CJK font into a PNG), and .doc,
.wps and .xls files converted by LibreOffice. Nothing here reads what the project's readers read:
the cells and lines come straight from the .txt files.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from qa_app.parsing.grids import decode_text
from qa_app.parsing.tables import find_layout

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def cjk_font() -> str | None:
    return next((f for f in CJK_FONTS if Path(f).exists()), None)


def txt_blocks(path: Path) -> tuple[list[str], list[list[str]] | None, list[str]]:
    """(lines before the table, the table's rows with its header first, lines after) of a .txt file;
    a notice has no table: all its lines are the first part."""
    lines = decode_text(path.read_bytes(), path.name).splitlines()
    at = next((i for i, line in enumerate(lines) if find_layout(line.split("\t"))), None)
    if at is None:
        return [line for line in lines if line.strip()], None, []
    rows = [line.split("\t") for line in lines[at:] if line.strip()]
    return [line.lstrip("# ") for line in lines[:at] if line.strip()], rows, []


_PORTAL_HEAD = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_政府信息公开</title>
<style>{style}</style>
<script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");}})();</script></head><body>
<div class="header"><div class="logo">某某市人民政府门户网站</div><ul class="nav"><li><a href="/">首页</a></li>
<li><a href="/zwgk">政务公开</a></li><li><a href="/hdjl">互动交流</a></li><li><a href="/bsfw">办事服务</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
<div class="main"><div class="sidebar"><h3>相关链接</h3><ul><li><a href="#">政策解读</a></li></ul></div>
<div class="article"><h1 class="article-title">{title}</h1><div class="info">发布时间：2023-10-20 来源：市政府办公室 字号：大 中 小</div>
<div class="TRS_Editor" id="zoom">
"""
_STYLE = ('body{font-family:"WenQuanYi Micro Hei",sans-serif;font-size:12px} table{border-collapse:collapse;width:100%}'
          'td,th{border:1px solid #000;padding:2px;vertical-align:top} thead{display:table-header-group}')
_PORTAL_FOOT = """</div><div class="share">分享到：微信 微博</div></div></div>
<div class="footer"><p>主办：某某市人民政府办公室 网站标识码：0000000000</p><p>备案号：鲁ICP备00000000号</p></div>
<script>document.write("<p>访问量：12345</p>");</script></body></html>
"""


def html_page(path: Path, table_only: bool = False) -> str:
    """The document as a page saved from a government portal; with `table_only`, just the article
    (what a PDF is printed from: no site around it)."""
    before, rows, after = txt_blocks(path)
    title = before[-1] if rows else next((t for t in before if "任务" in t and len(t) < 60), before[0])
    body = [f"<p>{html.escape(text.strip())}</p>" for text in before]
    if rows:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
        body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
    body += [f"<p>{html.escape(text)}</p>" for text in after]
    if table_only:
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                + f"<style>{_STYLE}</style>"
                + "</head><body>" + "".join(body) + "</body></html>")
    return _PORTAL_HEAD.format(title=html.escape(title), style=_STYLE) + "\n".join(body) + _PORTAL_FOOT


def print_pdf(page_html: str, target: Path, landscape: bool = True) -> Path:
    """The page printed by headless Chromium, its own header and footer (date, title, page x/y) on."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        style = "<style>@page{size:A4 landscape}</style>" if landscape else ""
        source.write_text(page_html.replace("</head>", style + "</head>", 1), encoding="utf-8")
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/profile",
                        f"--print-to-pdf={target}", source.as_uri()], check=True, capture_output=True, timeout=120)
    return target


def pdf_bytes(pages: list[bytes], images: dict[str, tuple[int, int]] | None = None, deflate: bool = True) -> bytes:
    """A minimal valid PDF: one content stream per page (deflated), optional image XObjects declared
    with a width and height (for the pixel limit), and a correct cross-reference table."""
    import zlib

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    image_refs = ""
    for name, (width, height) in (images or {}).items():
        data = zlib.compress(b"\x00" * 16)
        objects.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                       b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>stream\n" % (width, height, len(data))
                       + data + b"\nendstream")
        image_refs += f"/{name} {len(objects)} 0 R "
    for content in pages:
        data = zlib.compress(content) if deflate else content
        flate = b"/Filter /FlateDecode " if deflate else b""
        objects.append(b"<< /Length %d %s>>stream\n" % (len(data), flate) + data + b"\nendstream")
        resources = f"<< /XObject << {image_refs}>> >>".encode() if image_refs else b"<< >>"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources
                       + b" /Contents %d 0 R >>" % len(objects))
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def swapped_workspace(tmp_path: Path, index_dir: Path, corpus_dir: Path, original: str, new_file: Path | None):
    """Settings for a copy of the corpus with `original` replaced by `new_file` (the same document in
    another format; None: left out, to be added), and a copy of the built index, whose embeddings
    the rebuild reuses."""
    from qa_app.settings import Settings

    shutil.copytree(corpus_dir, tmp_path / "corpus")
    (tmp_path / "corpus" / original).unlink()
    if new_file is not None:
        shutil.copy(new_file, tmp_path / "corpus" / new_file.name)
    shutil.copytree(index_dir, tmp_path / "index")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def office_convert(sources: list[Path], target: str, folder: Path) -> list[Path]:
    """Files converted by LibreOffice headless (`target`: "doc", "xls", "docx" …) into `folder`."""
    if SOFFICE is None:
        raise RuntimeError("LibreOffice is not installed (apt-get install libreoffice-writer libreoffice-calc)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={Path(tmp).as_uri()}",
                        "--convert-to", target, "--outdir", str(folder), *map(str, sources)],
                       check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    return [folder / f"{s.stem}.{target}" for s in sources]


def _wrap(text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and font.getlength(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return lines + ([line] if line else [])


def scan_table(rows: list[list[str]], title: str, widths: list[int], path: Path, size: int = 22) -> Path:
    """A ruled table drawn as a scanner sees it (black on white, 1-bit-like), its cells wrapped."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(cjk_font(), size)
    pad, line_h = 8, size + 8
    wrapped = [[_wrap(c, font, w - 2 * pad) or [""] for c, w in zip(row, widths, strict=True)] for row in rows]
    heights = [max(len(c) for c in row) * line_h + 2 * pad for row in wrapped]
    margin, top = 60, 60 + 3 * line_h
    image = Image.new("L", (sum(widths) + 2 * margin, top + sum(heights) + margin), 255)
    draw = ImageDraw.Draw(image)
    draw.text((margin, 60), title, font=font, fill=0)
    y = top
    for row, height in zip(wrapped, heights, strict=True):
        x = margin
        for cell, width in zip(row, widths, strict=True):
            draw.rectangle((x, y, x + width, y + height), outline=0, width=2)
            for k, text in enumerate(cell):
                draw.text((x + pad, y + pad + k * line_h), text, font=font, fill=0)
            x += width
        y += height
    image.save(path)
    return path


def scan_text(paragraphs: list[str], path: Path, width: int = 1400, size: int = 24) -> Path:
    """Paragraphs drawn as a scanned letter page: first lines indented by two characters."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(cjk_font(), size)
    margin, line_h = 80, size + 14
    lines = [(i == 0, t) for p in paragraphs for i, t in enumerate(_wrap("\u3000\u3000" + p, font, width - 2 * margin))]
    image = Image.new("L", (width, 2 * margin + line_h * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for k, (_, text) in enumerate(lines):
        draw.text((margin, margin + k * line_h), text, font=font, fill=0)
    image.save(path)
    return path
