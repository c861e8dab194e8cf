import datetime as dt

from django.db import migrations


def create_form(apps, schema_editor):
    from jianfu.monitoring.reports.questions import FORM_CODE, QUESTIONS_V1, serialisable

    apps.get_model("monitoring", "ReportForm").objects.get_or_create(
        code=FORM_CODE,
        version=1,
        defaults={
            "name": "基层负担监测月报",
            "period_type": "month",
            "due_days": 5,
            "closes_days": 60,
            "questions": serialisable(QUESTIONS_V1),
            "valid_from": dt.date(2020, 1, 1),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(create_form, migrations.RunPython.noop)]
