from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_meeting_recent")]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("reaches_grassroots", True)),
                fields=["issued_on", "unit"],
                name="document_grassroots_date",
            ),
        ),
    ]
