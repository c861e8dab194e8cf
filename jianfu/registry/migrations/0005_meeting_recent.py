from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_unit_index_redundant")]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["held_on", "id"], name="meeting_recent"),
        ),
    ]
