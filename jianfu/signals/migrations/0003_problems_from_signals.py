# Problems that confirmed signals became were linked by rectification's Problem.signal; they now
# name their source as ("signal", signal id). Copy the links over between rectification 0004 (which
# adds the new columns) and 0005 (which drops the old one). Rectification knows nothing of signals,
# so the copy is this app's.

from django.db import migrations
from django.db.models import F

KIND = "signal"  # signals.problems.KIND, as it was when this ran


def forward(apps, schema_editor):
    Problem = apps.get_model("rectification", "Problem")
    Problem.objects.filter(signal__isnull=False).update(source_kind=KIND, source_id=F("signal"))


def backward(apps, schema_editor):
    Problem = apps.get_model("rectification", "Problem")
    Problem.objects.filter(source_kind=KIND).update(
        signal=F("source_id"), source_kind="", source_id=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0002_fold_ongoing_signals"),
        ("rectification", "0004_problem_source"),
    ]
    run_before = [("rectification", "0005_remove_problem_signal")]

    operations = [migrations.RunPython(forward, backward)]
