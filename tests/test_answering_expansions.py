"""Codes written out before a question is read; a code inside another word is left alone."""

import pytest

from qa_app.answering.expansions import expand_codes


@pytest.mark.parametrize(("question", "expected"), [
    ("S241工程什么时候完工", "省道241线工程什么时候完工"),
    ("g220线改造谁负责", "国道220线改造谁负责"),
    ("5G基站建了多少", "5G基站建了多少"),
    ("GDP增长多少", "GDP增长多少"),
    ("ABS328材料", "ABS328材料"),
])
def test_expand_codes(question, expected):
    assert expand_codes(question) == expected
