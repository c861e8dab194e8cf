# Problems name the record they came from by its registered source kind and id (sources.py)
# instead of a link to signals.Signal. The signals app copies its links over (signals 0003, which
# runs between this and 0005); 0005 drops the old column.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rectification", "0003_problem_version")]

    operations = [
        migrations.AddField(
            model_name="problem",
            name="source_kind",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="来源类型"),
        ),
        migrations.AddField(
            model_name="problem",
            name="source_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="来源记录"),
        ),
        migrations.AddConstraint(
            model_name="problem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_id__isnull", False)),
                fields=("source_kind", "source_id"),
                name="problem_source_record",
            ),
        ),
        migrations.AddConstraint(
            model_name="problem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("source_id__isnull", True), ("source_kind", "")),
                    models.Q(
                        models.Q(("source_kind", ""), _negated=True),
                        ("source_id__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="problem_source_kind_id",
            ),
        ),
    ]
