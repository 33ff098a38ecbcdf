"""The one field catalog: header cells → fields, labels for replies and exports, extra columns kept."""

from __future__ import annotations

import pytest

from qa_app.fields import catalog, record_fields
from qa_app.records import Record


@pytest.mark.parametrize(("header", "field"), [
    ("序号", "number"), ("序  号", "number"), ("编号", "number"),
    ("是否按计划完成进度", "on_schedule"), ("是否完成目标任务", "on_schedule"), ("完成状态", "on_schedule"),
    ("是否滞后", "behind"), ("是否延期完成", "behind"),
    ("完成时限", "deadline"), ("责任目标完成时限", "deadline"), ("时间节点", "deadline"),
    ("完成情况", "progress"), ("目标完成情况", "progress"), ("1-9月进展情况", "progress"),
    ("市政府领导", "leaders"), ("分管 领导", "leaders"), ("责任领导", "leaders"),
    ("责任目标内容", "content"), ("重点工作", "content"), ("任务内容", "content"),
    ("责任单位", "units"), ("牵头部门", "units"),
    ("备注", None), ("", None), ("说明", None),
])
def test_header_names_its_field(header, field):
    assert catalog().column_of(header) == field


def test_reply_and_document_labels():
    cat = catalog()
    assert cat.reply_label("leaders") == "分管市领导"
    assert cat.label("leaders") == "市政府领导"
    assert cat.label("content", "task") == "任务内容"
    assert cat.label("content", "target") == "责任目标内容"


def test_record_fields_in_document_order_then_extra_columns():
    record = Record(id="a.txt#3", doc="a.txt", title="t", year=2024, period="全年", kind="target", number=3,
                    leaders=("张三",), content="建成公园2处", units=("市住建局", "某某县人民政府"),
                    extra=(("备注", "已列入年度计划"),))
    assert record_fields(record) == [
        ("序号", "3"), ("市政府领导", "张三"), ("责任目标内容", "建成公园2处"), ("完成时限", ""),
        ("完成情况", ""), ("是否按计划", ""), ("责任单位", "市住建局、某某县人民政府"), ("备注", "已列入年度计划")]


def test_extra_columns_survive_the_record_json():
    record = Record(id="a.txt#1", doc="a.txt", title="t", year=None, period="", kind="target", number=1,
                    content="x", extra=(("备注", "甲"), ("主要任务", "乙")))
    again = Record.from_dict(record.to_dict())
    assert again == record and again.extra == (("备注", "甲"), ("主要任务", "乙"))
