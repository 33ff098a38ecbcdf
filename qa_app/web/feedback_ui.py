"""👍 / 👎 under each answer of the chat and the /embed widget, and the optional correction after 👎.

The buttons are plain HTML in the log (drawn by render.py, escaped there like everything else); one
delegated listener posts the rating to /feedback (qa_app.web.feedback). The log is redrawn on every
turn, so the ratings given are kept in the page and put back on each redraw; only attributes change
then, never the log's children, so the log's scroll-to-the-newest-turn observer is not triggered.
"""

from __future__ import annotations

import html

from qa_app.feedback import MAX_COMMENT_CHARS

CORRECTION_HINT = "正确答案应为…（可不填）"


def feedback_html(answer: dict) -> str:
    """The rating row of one answer; nothing for an answer without an answer_id (the log is off)."""
    answer_id = answer.get("answer_id")
    if not answer_id:
        return ""
    quoted = html.escape(str(answer_id), quote=True)
    return (f'<div class="qa-rate" data-answer-id="{quoted}">'
            '<button type="button" class="qa-rate-up" data-rating="up" aria-pressed="false" title="有用" '
            'aria-label="有用">👍</button>'
            '<button type="button" class="qa-rate-down" data-rating="down" aria-pressed="false" '
            'title="不对或没用" aria-label="不对或没用">👎</button>'
            '<span class="qa-rate-thanks" hidden>谢谢反馈</span>'
            '<span class="qa-rate-saved" hidden>已记下更正，谢谢</span>'
            '<span class="qa-rate-error" hidden>未能提交，请稍后再试</span>'
            '<span class="qa-rate-fix" hidden>'
            f'<input type="text" class="qa-rate-comment" maxlength="{MAX_COMMENT_CHARS}" '
            f'placeholder="{html.escape(CORRECTION_HINT)}" aria-label="正确答案应为">'
            '<button type="button" class="qa-rate-send">提交</button></span></div>')


# Runs once with the log (after COPY_JS, as part of the same js_on_load): `element` is the log.
FEEDBACK_JS = """
const qaRated = {};
const qaFeedbackUrl = () => location.pathname.replace(/\\/embed(\\/.*)?$/, '/').replace(/[^/]*$/, '') + 'feedback';
const qaShow = (box) => {
  const state = qaRated[box.dataset.answerId];
  if (!state) return;
  const set = (selector, hidden) => { const node = box.querySelector(selector); if (node && node.hidden !== hidden) node.hidden = hidden; };
  box.querySelector('.qa-rate-up').setAttribute('aria-pressed', String(state.rating === 'up'));
  box.querySelector('.qa-rate-down').setAttribute('aria-pressed', String(state.rating === 'down'));
  set('.qa-rate-fix', !(state.rating === 'down' && !state.commented));
  set('.qa-rate-thanks', !(state.ok && !state.commented));
  set('.qa-rate-saved', !(state.ok && state.commented));
  set('.qa-rate-error', state.ok !== false);
};
const qaRate = async (box, rating, comment) => {
  const id = box.dataset.answerId;
  let ok = false;
  try {
    const response = await fetch(qaFeedbackUrl(), {method: 'POST', credentials: 'same-origin',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({answer_id: id, rating: rating, comment: comment || null})});
    ok = response.ok;
  } catch (error) { ok = false; }
  qaRated[id] = {rating: rating, commented: Boolean(comment) && ok, ok: ok};
  element.querySelectorAll('.qa-rate').forEach((node) => { if (node.dataset.answerId === id) qaShow(node); });
};
element.addEventListener('click', (event) => {
  const box = event.target.closest('.qa-rate');
  if (!box) return;
  const vote = event.target.closest('[data-rating]');
  if (vote) { qaRate(box, vote.dataset.rating, null); return; }
  if (event.target.closest('.qa-rate-send')) {
    qaRate(box, 'down', box.querySelector('.qa-rate-comment').value.trim());
  }
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !event.target.closest('.qa-rate-comment')) return;
  event.preventDefault();
  const box = event.target.closest('.qa-rate');
  qaRate(box, 'down', event.target.value.trim());
});
new MutationObserver(() => { element.querySelectorAll('.qa-rate').forEach(qaShow); })
  .observe(element, {childList: true, subtree: true});
"""
