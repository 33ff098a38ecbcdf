"""Wording tables: what a question asks, which document it means, which words carry no content.

Kept apart from the logic so the tables can be read and extended on their own. All patterns run
on the simplified matching form of the question (see vocabulary.simplify).
"""

from __future__ import annotations

import re

# Intents, checked in this order; the first that matches wins (count before list before units...).
INTENT_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(p)) for name, p in (
    ("count", r"(?<!哪)(几|多少)(项|条)(目标|任务|工作|事项)?(?!目|[，,]?(分别|各)是)|(?<!哪)(几|多少)个(目标|任务|事项)"
              r"|(目标|任务)(的)?(数量|总数|数)(是多少|有多少|为多少)?|出现(过|了)?(几|多少)次"),
    ("list", r"(哪些|哪几项|哪几个|哪几条?|什么)(责任)?(目标|任务|工作|事项)|哪些.{0,8}(目标|任务)(?!.{0,6}(单位|部门|领导))|哪些.{0,8}(目标|任务)的.{0,6}(单位|部门|领导)(名单)?(里|中)"
             r"|(目标|任务|工作|事项)(都|还|一共)?(有|是)(哪些|什么|哪几项|哪几条|哪几个)(?!参与|牵头|责任|单位|部门|领导)"
             r"|负责(了)?(哪些|哪几)(?!单位|部门)|列出|列举|(是|有)哪几(条|项)[？?]*$|(?<!单位|部门|领导)(有|是)哪些[？?]*$"
             r"|(几|多少)(条|项)(目标|任务)?[，,]?(分别|各)是(什么|哪些)"
             r"|列一下|列个|列下|(都|还)有(啥|哪些)(目标|任务|工作|事项|项目)|哪些项目|(?<!单位|部门|领导)(有|是)啥[？?]*$"
             r"|^[^，,。？?]{0,12}(涉及|关于|有关|相关)[^，,。？?]{1,16}的(目标|任务|事项|项目|工作)((和|与|及)(目标|任务))?[？?]*$"),
    ("participants", r"参与单位|参与部门|配合单位|协同单位|配合部门|参与的单位|参与的部门|谁参与|哪些单位参与|参与方"),
    ("lead_unit", r"牵头|牵投"),
    ("leader", r"领导|分管|分官|份管|副市长|市长|哪位|谁抓|谁主抓|抓的"),
    ("unit", r"单位|部门|哪个局|哪家|归谁|谁.{0,2}(负责|管|抓)|由谁|谁来|主管|负责的是谁|哪个委|归口"),
    ("deadline", r"时限|完成时间|截止|什么时候|啥时候|何时|几月|哪天|多久|时间节点|期限"),
    ("status", r"按计划|按进度|计划进度|达标|是否完成|有没有完成|完成了吗|滞后|落后|进度正常|如期"),
    ("figure", r"多少|(?<!哪)几(?!乎)|百分之几|比例是|占比"),
    ("progress", r"进展|进度|完成情况|推进情况|怎么样|咋样|怎样了|如何了|做了什么|干了什么|落实情况|哪一步|什么程度|什么阶段"),
    ("task_content", r"要求|内容|做什么|干什么|目标是什么|任务是什么|怎么做|举措|措施"),
))

INTENT_PATTERNS_BY_NAME = dict(INTENT_PATTERNS)

# A count question asks about records: it names them (目标, 任务) or counts "those that ..." (的有几项).
COUNT_SUBJECT = re.compile(r"目标|任务|事项|工作|的有|有(几|多少)(项|条)[？?]*$|共(有)?(几|多少)")

# A question about a plan (the target or task wording) rather than what has been done so far.
PLAN_WORDS = re.compile(r"要求|要|目标|计划|力争|任务|应|需|须|争取|规划")
DONE_WORDS = re.compile(r"已经|已|实际|完成了|现在|目前|截至|累计|了")

TASK_WORDS = re.compile(r"重点工作任务|重点任务|任务通知|通知里|通知中|工作任务|任务清单|任务里|任务中|\d+(项|条|号)的?任务")
TARGET_WORDS = re.compile(r"责任目标|一览表|推进情况表|推进表|进度表|表里|表中|表格|第?[一二三四]季度表|上半年表|工作推进情况"
                          r"|\d+(项|条|号)的?目标")
ANY_TASK_WORD = re.compile(r"任务")
ANY_TARGET_WORD = re.compile(r"目标")

YEAR = re.compile(r"(?<!\d)(20\d\d)(?:年|(?!\d))")
# "Both documents": the notice and a table, asked side by side.
BOTH_DOCUMENTS = re.compile(r"(两|二|2)(个|份|类|种)(文件|文档|材料)")
# A place named with its level (某某市, 某某县): outside the documents unless a document is of it.
_NOT_IN_PLACE_NAMES = "的是在里表目标位度项条个年月日这那有和与及或由为对向从把被将归据按经请哪几些么全我本该各城都上超街夜门早外节反两共"
PLACE = re.compile(rf"((?:(?![{_NOT_IN_PLACE_NAMES}])[\u4e00-\u9fff]){{2,3}}?)(省|市|县)(?![长委场区级直属里内外民领])")
PLACE_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{2,3}?)(?<![全我本该各城都上超街夜门早郡外节反市区县省个哪])(省|市|县)")
RELATIVE_YEARS = (("今年", 0), ("本年度", 0), ("本年", 0), ("去年", -1), ("上年", -1), ("前年", -2), ("明年", 1))
MEASURE = re.compile(
    r"(?:多少|几)((?:万|亿|千|百)?(?:平方公里|平方米|万千瓦|千瓦|公里|公顷|人次|个|家|名|套|处|项|起|座|所|条|台|户|辆|"
    r"人|亩|元|吨|头|只|株|间|件|批|场|期|栋|倍|次|天|层|张|位|米|床|万|亿))([\u4e00-\u9fff]{0,2})")
RATE_WORDS = re.compile(r"率|比例|比重|占比|百分")
GROWTH_WORDS = re.compile(r"(增长|增速|增幅|提高|提升|下降|降低)了?(多少|几)(?![\u4e00-\u9fff])")
MONEY_WORDS = re.compile(r"额|金额|收入|产值|投资|资金|罚|营收|利润|税|多少钱|费用|价格|票价|门票")
AREA_WORDS = re.compile(r"面积")

# A yes/no question; it asks no who/what/which/how many (你知道是谁吗 is a wh-question).
YES_NO = re.compile(r"(吗|么)[？?。!！]*$|是不是|有没有|是否|对不对|能不能")
WH_WORDS = re.compile(r"哪|谁|什么|啥|多少|几(?!乎)|怎么|如何|何时")
# Who-questions: they ask for a unit or a person, even when a measure is also named.
WHO_WORDS = re.compile(r"哪个单位|哪些单位|哪个部门|哪些部门|谁|哪位|哪家单位")
# A figure is asked (多少家专科联盟, 多少科技型中小企业), not a count of units (单位有几个).
FIGURE_ASKED = re.compile(r"(?<!单位)(?<!部门)(?<!单位有)(?<!部门有)(多少|(?<!哪)几(?!乎))")
# A question asking for a detail of a record by a wh-word (成立了什么机构, 哪个分中心建成了).
DETAIL_WORDS = re.compile(r"什么(?!方面)|哪个(?!方面)|哪些|哪家|哪里|哪两|哪几")
# "哪方面的工作": the record's subject (with who is responsible), not one of its clauses.
TOPIC_QUESTION = re.compile(r"(哪|什么|哪一|哪个)(方面|领域|类)|讲的?是什么|是关于什么|讲什么|是什么内容")

# Where a question word stands: what precedes it is what is asked about.
QUESTION_WORD = re.compile(r"多少|几(?!乎)|什么|哪|谁|是否|有没有|是不是")
# A clause that asks something, in the words people type too: 啥时候完成, 完成时限是多久, 完成时限是？
ASKING = re.compile(QUESTION_WORD.pattern + r"|啥|多久|何时|多长时间|怎样|如何|[是吗呢]$")

# Words that end like a name of a unit or an organisation (市邮政管理局, 某某集团).
NAME_SUFFIX = re.compile(r"(局|委|办|厅|院|所|站|队|会|司|公司|集团|中心|政府)$")

# A facility or organisation named in a question: its distinctive part must be in the documents.
FACILITY = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,6}?)(剧院|医院|公园|大厦|广场|学校|大学|公司|集团|协会|机场|车站|体育馆|博物馆|"
                      r"图书馆|酒店|商场|银行)")

# Heads that make a common noun, not a name (本地大剧院, 名牌大学, 小公园).
GENERIC_HEAD = re.compile(r"[大小新老各本该这那此请让把给被督促]$|^(请|让|把|给|督促|推动|建设|各|本地|名牌)")

# Opinions and forecasts: no document holds them.
OPINION = re.compile(r"你觉得|你认为|你看好|你预测|你估计|你预计|你猜|估计一下|预测一下|前景(怎么样|如何)|会不会|展望"
                     r"|能不能完成|能否完成|(年底|今年|明年)能完成吗|天气|气温|下雨|适合去")

FOLLOWUP_START = re.compile(r"^(它|其|该|那|这|此|还有|另外|再|那么|那个|这个|同样|上面|上述)")

# Removed before taking content keywords: they say what is asked, not what about.
CUE_WORDS = re.compile(
    r"(?:搞|建|做|干|弄|办|修|抓)得(?:咋样|怎么样|怎样|如何)了?|咋样了?|怎样了|(?:办|做|干|弄|搞)完|所有的|所有|全部的|全部|列出来|列出|列举|是否按计划推进|是否按计划|按计划推进|按计划|按进度|计划进度|是否完成|完成了吗|有没有完成|"
    r"责任单位|牵头单位|牵头部门|参与单位|参与部门|配合单位|配合部门|责任部门|负责单位|主管部门|协同单位|"
    r"分管领导|分管的|市政府领导|市领导|哪位领导|哪个领导|领导|完成时限|完成时间|时间节点|时限|期限|截止时间|截止|"
    r"什么时候|啥时候|何时|哪天|几月|进展如何|进展情况|进展|进度|完成情况|推进情况|落实情况|怎么样|如何|"
    r"百分之几|多少|几项|几个|哪几项|哪几个|哪几|哪些|哪个|哪位|哪家|什么|啥|是否|有没有|"
    r"谁|负责|牵头|牵投|参与|分管|分官|份管|主抓|抓的|单位|部门|归属|那会儿|那时候|方面|这些|那些|"
    r"这个|那个|那一项|这一项|那项|这项|该项|其中|现在|目前|已经|要求|具体|写的是|写的|"
    r"重点工作任务|重点任务|工作任务|任务通知|任务清单|责任目标|一览表|推进情况表|推进表|进度表|表里|表中|表格|"
    r"目标|任务|文件里|文件中|文件|通知|里面|哪一项|一项|一共|总共|共有|分别|都有|还有|"
    r"涉及|有关|关于|相关|包含|提到|提及|要求达到|要达到|达到|搞到|要搞|要|介绍一下|介绍|说说|讲讲|简述|概况|"
    r"全市|我市|市里|达标|滞后|如期|吗|呢|吧|啊|呀|么|的|了|是|由|归|它|其|该|此|这|那|有|都|哪")
# Greetings, thanks and "what can you do": answered with what the documents hold (help.py).
SOCIAL = re.compile(r"^(你好|您好|嗨|哈喽|哈啰|在吗|在不在|早上好|下午好|晚上好|hi|hello|hey|谢谢|多谢|感谢|谢了|谢谢你|谢谢您|"
                    r"thanks|thank you|再见|拜拜|bye|帮助|help|使用说明|怎么用|如何使用|怎么使用|你是谁|"
                    r"你(能|会|可以)(做|干|回答|问)?(什么|啥|哪些)(问题|事)?|(我)?(能|可以)问(你)?(什么|啥|哪些)(问题)?|"
                    r"有什么(功能|用)|你有什么用)[啊呀呢吧哦~～\s,，.。!！?？]*$", re.IGNORECASE)
# An overview of a whole scope: totals, on schedule, by leader and unit (overviews.py).
OVERVIEW = re.compile(r"总结|概况|概览|整体|总体|全局|统计|汇总|总览|全貌")
# Words of an overview request that are not a subject: what is left (if anything) narrows it.
OVERVIEW_WORDS = re.compile(r"帮我|帮忙|给我|请|总结|概况|概览|整体|总体|全局|统计|汇总|总览|全貌|一下|下|情况|进展|"
                            r"怎么样|如何|分析|说说|讲讲|看看|介绍|工作|完成|推进")
# Stripped from both ends of a keyword segment: they join words, they are not words.
EDGE_CHARS = "里要到为把从向与及跟等给被就也又还呢吗了的"
