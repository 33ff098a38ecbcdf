"""Exact, cited answers without an LLM: question understanding, record choice, composition.

Intents (Answer.intent): unit (责任单位), lead_unit (牵头单位), participants (参与单位), leader
(分管市领导), deadline (完成时限), progress (进展或进展中的数字), status (是否按计划推进),
task_content (任务/目标要求及其中的数字), list (符合条件的全部条目), count (条目数),
cross_doc (同一问题分别问任务通知和推进情况表), overview (某一范围的总体统计), help (问候、致谢、
“你能做什么”：说明已载入的文件并给出示例问题), general (其他：给出最相关条目的各字段).
"""

from qa_app.answering.config import DEFAULT_CONFIG, AnswerConfig
from qa_app.answering.help import assistant_title, example_questions
from qa_app.answering.listing import LIST_CITED
from qa_app.answering.names import build_name_index, resolve_question
from qa_app.answering.names_rules import flat_form
from qa_app.answering.pipeline import answer_question
from qa_app.answering.selection import KnowledgeCache, matching_records
from qa_app.answering.understanding import INTENTS, Question, understand
from qa_app.answering.vocabulary import Vocabulary, build_vocabulary

# What the engine, the web app and bench use; they import answering through here only.
__all__ = ["DEFAULT_CONFIG", "INTENTS", "LIST_CITED", "AnswerConfig", "KnowledgeCache", "Question", "Vocabulary",
           "answer_question", "assistant_title", "build_name_index", "build_vocabulary", "example_questions", "flat_form",
           "matching_records", "resolve_question", "understand"]
