"""Clues for the tests, made through the one door (services.clue_create)."""

from jianfu.core import clock

INFORMANT = {
    "name": "王秀英",
    "phone": "13800001234",
    "id_number": "110101199001011234",
    "address": "甲一村三组",
    "contact": "晚上打电话",
}


def make_clue(unit, text="甲县要求各村每天上传十张工作照片留痕，村干部疲于应付。", **kw):
    from jianfu.accountability.clues import services

    kw.setdefault("channel", "public")
    kw.setdefault("category", "traces")
    kw.setdefault("received_at", clock.now())
    return services.clue_create(subject_unit=unit, text=text, **kw)
