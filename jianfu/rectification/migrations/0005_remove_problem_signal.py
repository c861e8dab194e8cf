# The link to signals.Signal is gone: its values now live in source_kind/source_id (copied by
# signals 0003, which runs before this one).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("rectification", "0004_problem_source")]

    operations = [migrations.RemoveField(model_name="problem", name="signal")]
