"""The named cases of the rectification demo (rectification.py): the five planted for the ledger's
own signals and the clean ones beside them. Each is a spec for rectification.plan_case: the
problem the office registers (source, found, description, the negative-list item it falls under,
severity), the unit's measure, and the steps that followed — (day, or days before as_of; action;
note; extra). Actions are the ledger's (start, progress, submit, verify, return, review) and
"create" (the measure).

`d` is rectification.Demo: d.as_of, and d.days for working days around it.
"""

import datetime as dt

from jianfu.rectification.models import MeasureKind, Source


def _doc_number(unit, year: int, n: int) -> str:
    stem = unit.name[:-1] if len(unit.name) > 2 else unit.name
    return f"{stem}办发〔{year}〕{n}号"


def overdue_holiday(d, unit) -> dict:
    """Due "10 working days" from 24 September (Mid-Autumn and National Day fall inside), the last
    one before as_of; still in progress."""
    year = d.as_of.year if d.as_of >= dt.date(d.as_of.year, 10, 20) else d.as_of.year - 1
    start = dt.date(year, 9, 24)
    return {
        "source": Source.TOUR,
        "found": d.days.on_or_before(dt.date(year, 9, 18)),
        "description": f"市委巡察反馈：{unit.name}{unit.name[-1]}直部门向乡镇（街道）下发的报表"
        "种类多、频次高，"
        "同一数据多头索要，乡镇干部反映填报负担重。",
        "item": "要求基层填表报数过多",
        "severity": 3,
        "measure": {
            "content": f"全面清理{unit.name[-1]}直部门面向乡镇（街道）的报表，保留的报表统一由"
            f"{unit.name[-1]}统计局归口，"
            "纳入“一表通”采集",
            "working_days": 10,
            "deadline_from": start,
        },
        "steps": [
            (d.days.on_or_before(start), "create", "", {}),
            (start + dt.timedelta(days=1), "start", "", {}),
            (dt.date(year, 10, 9), "progress", "已完成 6 个部门的报表清理，其余部门正在梳理。", {}),
        ],
    }


def overdue_draft(d, unit) -> dict:
    """Drafted and never started; 8 working days past its deadline."""
    return {
        "source": Source.OFFICE,
        "found": d.days.back(40),
        "description": f"市委办督查发现：{unit.name}在“三秋”生产调度中要求乡镇（街道）每天通过"
        "工作群上报进度，并上传田间作业照片。",
        "item": "通过政务应用程序、工作群要求基层打卡",
        "measure": {
            "content": "取消工作群每日上报进度、上传照片的要求，改为每周从农情调度系统提取数据",
            "deadline": d.days.workdays_back(8),
        },
        "steps": [(38, "create", "", {})],
    }


def overdue_returned(d, unit) -> dict:
    """A complaint; submitted, returned, not resubmitted; 2 working days late."""
    return {
        "source": Source.COMPLAINT,
        "found": d.days.back(45),
        "description": f"群众反映（12345 热线转办）：{unit.name}要求各村（社区）每周在工作群打卡，"
        "并上传入户走访照片，村干部疲于应付。",
        "item": "通过政务应用程序、工作群要求基层打卡",
        "measure": {
            "content": "取消各村（社区）工作群打卡、上传走访照片的要求，"
            "入户走访成效以群众满意度抽查代替照片留痕",
            "deadline": d.days.workdays_back(2),
        },
        "steps": [
            (43, "create", "", {}),
            (42, "start", "", {}),
            (15, "submit", "已在工作群发布通知，取消打卡和上传照片的要求。", {}),
            (
                12,
                "return",
                "抽查 3 个村，仍有 2 个村每周上传走访照片，整改未落实到位，请核实后重新提交。",
                {},
            ),
        ],
    }


def returned_twice(d, unit) -> dict:
    """Returned twice, in progress again before its deadline."""
    return {
        "source": Source.OFFICE,
        "found": d.days.back(70),
        "description": f"市委办抽查发现：{unit.name}在基层医疗卫生机构检查中要求提供近三年全部"
        "工作台账，迎检材料准备负担重。",
        "item": "以电话督查、材料督查代替实地",
        "measure": {
            "content": "修订基层医疗卫生机构检查方案，取消调阅三年台账的要求，"
            "以信息系统数据和现场核查为主",
            "deadline": d.days.ahead(20),
        },
        "steps": [
            (68, "create", "", {}),
            (67, "start", "", {}),
            (45, "submit", "检查方案已修订印发。", {}),
            (42, "return", "修订后的检查方案仍保留“台账资料”评分项，未见实质性改变。", {}),
            (35, "progress", "已删除“台账资料”评分项，改为现场核查和系统数据比对。", {}),
            (25, "submit", "检查方案已再次修订，并通知各乡镇卫生院。", {}),
            (21, "return", "抽查 2 家乡镇卫生院，仍被要求补齐台账，整改未落实到基层。", {}),
            (10, "progress", "已逐家电话核实并书面通知停止补台账，下周组织回访。", {}),
        ],
    }


def relapse(d, unit) -> dict:
    """A long-term item verified last year that relapsed at its review, given a new deadline."""
    days = d.days
    found = days.back(380)
    deadline = days.on_or_after(found + dt.timedelta(days=90))
    return {
        "source": Source.TOUR,
        "found": found,
        "description": f"市委巡察反馈：{unit.name}视频会议层层开到村（社区），"
        "要求村干部全员在线并截图签到。",
        "measure": {
            "content": f"建立视频会议分级召开制度，{unit.name[-1]}级视频会议原则上开到"
            f"乡镇（街道），确需开到村的报{unit.name[-1]}委办审批",
            "kind": MeasureKind.LONG_TERM,
            "deadline": deadline,
            "mechanism": f"《{unit.name}视频会议管理办法（试行）》"
            f"（{_doc_number(unit, found.year, 17)}）",
            "review_on": days.back(30),
        },
        "steps": [
            (found + dt.timedelta(days=3), "create", "", {}),
            (found + dt.timedelta(days=4), "start", "", {}),
            (
                found + dt.timedelta(days=40),
                "progress",
                "管理办法已起草，正在征求乡镇（街道）意见。",
                {},
            ),
            (
                deadline - dt.timedelta(days=5),
                "submit",
                "管理办法已印发执行，下半年视频会议均只开到乡镇（街道）。",
                {},
            ),
            (
                deadline - dt.timedelta(days=2),
                "verify",
                "抽查 3 个乡镇的会议记录，属实，同意销号。",
                {},
            ),
            (
                25,
                "review",
                f"抽查发现：{unit.name}近期召开的防汛、秸秆禁烧视频会议仍开到村"
                "（社区），并要求村干部上传参会截图，问题反弹。",
                # The reviewer sets the new deadline and review date with the relapse.
                {"held": False, "deadline": days.ahead(30), "review_on": days.ahead(180)},
            ),
            (8, "progress", "已重新印发通知，明确视频会议开到村须报批，并逐村核查。", {}),
        ],
    }


def review_held(d, unit) -> dict:
    """A long-term item whose review found the fix held: closed."""
    days = d.days
    found = days.back(420)
    deadline = days.on_or_after(found + dt.timedelta(days=100))
    review_on = days.back(45)
    return {
        "source": Source.TOUR,
        "found": found,
        "description": f"市委巡察反馈：{unit.name}乡镇综合考核细则中台账资料类指标占比过高，"
        "以痕迹论英雄。",
        "item": "考核指标过多过细",
        "measure": {
            "content": "修订乡镇（街道）综合考核办法，压减台账资料类指标，以实绩和群众评价为主",
            "kind": MeasureKind.LONG_TERM,
            "deadline": deadline,
            "mechanism": "《关于改进乡镇（街道）综合考核的实施意见》"
            f"（{_doc_number(unit, found.year, 9)}）",
            "review_on": review_on,
        },
        "steps": [
            (found + dt.timedelta(days=5), "create", "", {}),
            (found + dt.timedelta(days=6), "start", "", {}),
            (
                deadline - dt.timedelta(days=6),
                "submit",
                "新考核办法已印发，台账资料类指标由 14 项压减为 3 项。",
                {},
            ),
            (
                deadline - dt.timedelta(days=3),
                "verify",
                "核对新考核办法和年度考核结果，属实，同意销号。",
                {},
            ),
            (
                review_on + dt.timedelta(days=5),
                "review",
                "回头看抽查 3 个乡镇，考核未再以台账资料评分，成效巩固。",
                {"held": True},
            ),
        ],
    }


def awaiting_review(d, unit) -> dict:
    """A long-term item verified months ago whose review is still to come."""
    days = d.days
    found = days.back(200)
    deadline = days.on_or_after(found + dt.timedelta(days=60))
    return {
        "source": Source.OFFICE,
        "found": found,
        "description": f"市委办督查发现：{unit.name}向乡镇（街道）借调干部 5 人，"
        "其中 3 人借调超过一年。",
        "item": "随意借调、抽调基层干部",
        "measure": {
            "content": "清退超期借调人员，建立借调干部审批和期限管理制度",
            "kind": MeasureKind.LONG_TERM,
            "deadline": deadline,
            "mechanism": "《借调基层干部管理办法》（经党组会议审议通过）",
            "review_on": days.ahead(12),  # on the office's list of reviews due
        },
        "steps": [
            (found + dt.timedelta(days=2), "create", "", {}),
            (found + dt.timedelta(days=3), "start", "", {}),
            (
                deadline - dt.timedelta(days=4),
                "submit",
                "超期借调人员已全部返岗，借调管理办法已印发。",
                {},
            ),
            (deadline - dt.timedelta(days=1), "verify", "核对人事档案和考勤，属实，同意销号。", {}),
        ],
    }


def verified_immediate(d, unit) -> dict:
    """An immediate fix verified on time: closed."""
    found = d.days.back(90)
    return {
        "source": Source.TOUR,
        "found": found,
        "description": f"市委巡察反馈：{unit.name}节庆活动多，"
        "要求乡镇（街道）组织人员参加开幕式充场。",
        "item": "节庆、论坛、展会、评比表彰等活动过多过滥",
        "measure": {
            "content": "停办两项节庆活动，保留的活动不再要求乡镇（街道）组织人员参加",
            "deadline": d.days.on_or_after(found + dt.timedelta(days=45)),
        },
        "steps": [
            (found + dt.timedelta(days=2), "create", "", {}),
            (found + dt.timedelta(days=3), "start", "", {}),
            (found + dt.timedelta(days=20), "progress", "已报请市委办同意停办两项活动。", {}),
            (
                found + dt.timedelta(days=38),
                "submit",
                "两项活动已停办，保留活动未再组织基层人员参加。",
                {},
            ),
            (
                found + dt.timedelta(days=41),
                "verify",
                "电话回访 5 个乡镇（街道），属实，同意销号。",
                {},
            ),
        ],
    }


def submitted_case(d, unit) -> dict:
    """Reported by a sample point; the measure submitted, awaiting verification."""
    return {
        "source": Source.SAMPLE_POINT,
        "found": d.days.back(30),
        "description": f"监测样本点反映：{unit.name}每月要求各村（社区）报送的报表中，"
        "有 4 张与县统计局报表内容重复。",
        "item": "要求基层填表报数过多",
        "measure": {
            "content": "取消与统计部门重复的 4 张报表，所需数据向县统计局共享获取",
            "deadline": d.days.ahead(10),
        },
        "steps": [
            (28, "create", "", {}),
            (27, "start", "", {}),
            (20, "progress", "已与县统计局商定数据共享方式。", {}),
            (3, "submit", "4 张重复报表已停止报送，数据改由县统计局共享。", {}),
        ],
    }


PLANTED = {
    "overdue_holiday": overdue_holiday,
    "overdue_draft": overdue_draft,
    "overdue_returned": overdue_returned,
    "returned_twice": returned_twice,
    "relapse": relapse,
}
