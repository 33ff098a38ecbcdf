"""The upload panel: add documents of any supported type (docs/formats.md) to the corpus, or remove one.

Offered only when the server has an admin token AND the person enters it. The panel's visibility
is a convenience, not the check: every add/remove compares the token again on the server, before any
file is opened, and takes only files Gradio's upload route wrote (`qa_app.web.uploads`). Entering the
token also opens an admin session (POST /admin/session), the cookie without which uploads get 403.
"""

from __future__ import annotations

import hmac

import gradio as gr

from qa_app.errors import QAError
from qa_app.ingest import add_documents, remove_document
from qa_app.parsing import SUPPORTED
from qa_app.web.service import ChatService
from qa_app.web.uploads import ADMIN_SESSION_PATH, uploaded_path, uploads_only

FILE_TYPES = list(SUPPORTED)
_TYPES = " / ".join(FILE_TYPES)
WRONG_TOKEN = "口令不对，无法管理文档。"
# Runs in the browser before the token reaches the server's handler: opens the admin session (the cookie
# Gradio's upload route asks for), then passes the token on unchanged.
OPEN_SESSION_JS = f"""async (token) => {{
  try {{ await fetch('{ADMIN_SESSION_PATH.lstrip("/")}', {{method: 'POST', body: token || '', credentials: 'same-origin'}}); }}
  catch (error) {{}}
  return [token];
}}"""


def token_ok(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an unset or empty server token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def added_message(result: dict) -> str:
    """One line for the admin: what was added, how many records, what was skipped."""
    lines = [f"已添加 {'、'.join(result.get('added', []))}：{result.get('records')} 条记录"
             f"（新计算向量 {result.get('embedded')} 条）；文档库现有 {result.get('corpus_records')} 条记录。"]
    if result.get("replaced"):
        lines.append(f"替换了同名文件：{'、'.join(result['replaced'])}。")
    lines += [f"- 跳过 {line}" for line in result.get("skipped", [])]
    return "\n".join(lines)


def removed_message(result: dict) -> str:
    return (f"已删除 {result.get('removed')}（{result.get('records')} 条记录）；"
            f"文档库现有 {result.get('corpus_records')} 条记录。")


def add_files(service: ChatService, given: str, expected: str, paths: list[str] | None) -> str:
    """Add uploaded files to the corpus, rebuild the index, and swap in the new engine.

    Gradio runs this in a worker thread; the files are parsed within `settings.limits` while the
    current engine keeps answering (its lock is taken only to swap in the new one), and a refused
    file leaves corpus, index and engine as they were.
    """
    if not token_ok(given, expected):
        return WRONG_TOKEN
    if not paths:
        return f"请先选择要添加的文件（{_TYPES}）。"
    try:
        sources = [uploaded_path(p) for p in paths]
    except gr.Error as exc:
        return f"未能添加：{exc.message}"
    try:
        result = add_documents(service.settings, sources, embedder=service.embedder)
        service.reload()
    except QAError as exc:
        return f"未能添加：{exc}"
    return added_message(result)


def remove_doc(service: ChatService, given: str, expected: str, doc: str | None) -> str:
    """Remove one document from the corpus and the index, then swap in the new engine."""
    if not token_ok(given, expected):
        return WRONG_TOKEN
    if not doc:
        return "请先选择要删除的文档。"
    try:
        result = remove_document(service.settings, doc, embedder=service.embedder)
        service.reload()
    except QAError as exc:
        return f"未能删除：{exc}"
    return removed_message(result)


def build_admin_panel(service: ChatService, expected: str, refresh: list) -> None:
    """The token field, and behind it the upload/remove controls; `refresh` = [year, doc] dropdowns."""
    with gr.Accordion("文档管理（管理员）", open=False, elem_id="qa-admin"):
        given = gr.Textbox(label="管理口令", type="password", elem_id="qa-admin-token")
        enter = gr.Button("进入文档管理", size="sm")
        status = gr.Markdown(elem_id="qa-admin-status")
        with gr.Column(visible=False, elem_id="qa-admin-panel") as panel:
            cap = service.settings.limits.max_file_mb  # also Gradio's upload cap (create_app)
            label = f"添加文件（{_TYPES}，每个不超过 {cap:g} MB）"
            files = uploads_only(gr.File(label=label, file_count="multiple", elem_id="qa-admin-files",
                                         file_types=FILE_TYPES, type="filepath"))
            add = gr.Button("添加到文档库", variant="primary")
            doc = gr.Dropdown([], label="要删除的文档", elem_id="qa-admin-doc")
            remove = gr.Button("删除所选文档", variant="stop")
    _wire(service, expected, given, enter, status, panel, files, add, doc, remove, refresh)


def unlock_panel(service: ChatService, given: str, expected: str) -> tuple[bool, str, list[tuple[str, str]]]:
    """(show the panel?, message, removable documents) for a token entered in the page."""
    if not token_ok(given, expected):
        return False, WRONG_TOKEN, []
    return True, "已进入文档管理。", service.document_choices()


def _wire(service, expected, given, enter, status, panel, files, add, doc, remove, refresh) -> None:
    def open_panel(token):
        shown, message, choices = unlock_panel(service, token, expected)
        return gr.update(visible=shown), message, gr.update(choices=choices, value=None)

    def after_change(message):
        years, docs = service.filter_choices()
        return (message, gr.update(choices=service.document_choices(), value=None), None,
                gr.update(choices=years), gr.update(choices=docs))

    private = {"api_visibility": "private"}
    outputs = [status, doc, files, *refresh]
    enter.click(open_panel, [given], [panel, status, doc], js=OPEN_SESSION_JS, **private)
    given.submit(open_panel, [given], [panel, status, doc], js=OPEN_SESSION_JS, **private)
    add.click(lambda token, paths: after_change(add_files(service, token, expected, paths)),
              [given, files], outputs, **private)
    remove.click(lambda token, name: after_change(remove_doc(service, token, expected, name)),
                 [given, doc], outputs, **private)
