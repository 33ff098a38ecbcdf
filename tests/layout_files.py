"""Invented Word and Excel documents in the layouts real offices use (see docs/layouts.md).

Built by the tests (python-docx, openpyxl) rather than kept as binaries: the merges, the units one
per paragraph inside a cell and the category merged down are what each file is about, and they
read here. Places and wording are invented.
"""

from __future__ import annotations

from pathlib import Path

NOTICE_PARAGRAPHS = (
    "枫林县人民政府办公室",
    "关于印发枫林县2024年民生实事项目的通知",
    "各乡镇人民政府，县政府各部门：",
    "经县政府研究，现将2024年民生实事项目印发给你们，请认真组织实施。",
    "附件",
    "枫林县2024年民生实事项目",
)
# (序号, 民生实事, units (one per paragraph), 完成时限); a 序号 given twice spans two rows of one item
WORD_ROWS = (
    ("1", "新建城区小学2所", ("县教育局", "县住建局"), "8月底"),
    ("1", "改扩建乡镇幼儿园4所", ("县教育局", "县住建局"), "12月底"),
    ("2", "新增城乡公交线路6条", ("县交通运输局",), "10月底"),
    ("3", "改造城区供水管网28公里", ("县水务局", "县城管局", "枫林水务集团"), "11月底"),
    ("3", "新建农村集中供水站5处", ("县水务局", "县城管局", "枫林水务集团"), "11月底"),
)


def build_notice_with_table(path: Path) -> Path:
    """A notice's paragraphs, then a Word table whose 序号 and 责任单位 are merged down over the two
    rows of one item, and whose 责任单位 cell holds one unit per paragraph."""
    import docx

    document = docx.Document()
    for text in NOTICE_PARAGRAPHS:
        document.add_paragraph(text)
    table = document.add_table(rows=1 + len(WORD_ROWS), cols=4)
    for cell, text in zip(table.rows[0].cells, ("序号", "民生实事", "责任单位", "完成时限"), strict=True):
        cell.text = text
    for r, (number, content, units, deadline) in enumerate(WORD_ROWS, 1):
        cells = table.rows[r].cells
        cells[1].text, cells[3].text = content, deadline
        if r > 1 and WORD_ROWS[r - 2][0] == number:
            cells[0].merge(table.rows[r - 1].cells[0])
            cells[2].merge(table.rows[r - 1].cells[2])
            continue
        cells[0].text = number
        cells[2].text = units[0]
        for unit in units[1:]:
            cells[2].add_paragraph(unit)
    document.add_paragraph("枫林县人民政府办公室")
    document.add_paragraph("2024年1月15日")
    document.save(str(path))
    return path


XLSX_HEADER = ("序号", "主要任务", "全年目标任务", "分管 领导", "完成时限", "上半年完成情况", "是否达序", "责任单位",
               "情况说明")
# 主要任务 is written once and merged down over the items of its category
XLSX_ROWS = (
    ("1", "产业发展", "新培育规模以上工业企业15家", "赵明川", "12月底", "已新培育8家", "是", "县工信局", ""),
    ("2", "", "实现外贸进出口总额18亿元", "赵明川", "12月底", "完成9.6亿元", "是", "县商务局", ""),
    ("3", "", "新建5G基站260个", "孙启航", "11月底", "已建成102个", "否", "县工信局、县通信发展办",
     "受铁塔选址审批影响，部分站点开工推迟，已协调自然资源部门加快办理，预计三季度末追回进度"),
    ("4", "社会事业", "新增养老床位400张", "孙启航", "12月底", "已新增210张", "是", "县民政局", ""),
    ("5", "", "完成城镇老旧小区改造12个", "孙启航", "10月底", "已开工10个", "是", "县住建局", "其中2个小区因居民意见未统一暂缓"),
)


def build_target_workbook(path: Path) -> Path:
    """A title row merged across, then the header with 分管 领导 and 是否达序, 主要任务 merged down
    over each category's items, and a long 情况说明 in the last column."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "上半年"
    sheet.append(["松台县2024年重点工作目标任务上半年完成情况表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_HEADER))
    sheet.append(list(XLSX_HEADER))
    for row in XLSX_ROWS:
        sheet.append([int(row[0]), *row[1:]])
    sheet.merge_cells("B3:B5")
    sheet.merge_cells("B6:B7")
    workbook.save(str(path))
    return path


def build_merged_workbook(path: Path) -> Path:
    """The Word table's items as an Excel sheet: 序号 and 责任单位 merged down over an item's two rows,
    the units one per line inside the cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["枫林县2024年民生实事项目"])
    sheet.append(["序号", "民生实事", "责任单位", "完成时限"])
    for r, (number, content, units, deadline) in enumerate(WORD_ROWS):
        first = r == 0 or WORD_ROWS[r - 1][0] != number
        sheet.append([int(number) if first else None, content, "\n".join(units) if first else None, deadline])
        if not first:
            row = sheet.max_row
            sheet.merge_cells(f"A{row - 1}:A{row}")
            sheet.merge_cells(f"C{row - 1}:C{row}")
    workbook.save(str(path))
    return path
