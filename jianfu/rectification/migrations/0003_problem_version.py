# Optimistic locking of problem edits (Problem.version) and who last changed a problem, when.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_creation(apps, schema_editor):
    # Existing problems were last changed, as far as anyone can tell, when they were registered.
    Problem = apps.get_model("rectification", "Problem")
    Problem.objects.update(updated_at=models.F("created_at"), updated_by=models.F("created_by"))


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0002_rule_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="problem",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="problem",
            name="updated_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="problem",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="更新时间"),
        ),
        migrations.RunPython(from_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="problem",
            name="updated_at",
            field=models.DateTimeField(verbose_name="更新时间"),
        ),
    ]
