"""Web front end: the Gradio chat at / and /embed, and the JSON API under /api.

Gradio's telemetry is switched off before Gradio is imported: the intranet has no internet, and
nothing should try to reach it.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from qa_app.web.app import create_app  # noqa: E402
from qa_app.web.security import parse_embed_origins  # noqa: E402
from qa_app.web.service import ChatService, load_engine  # noqa: E402

__all__ = ["ChatService", "create_app", "load_engine", "parse_embed_origins"]
