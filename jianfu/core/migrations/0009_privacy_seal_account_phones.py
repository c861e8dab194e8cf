"""Hand-written data migration: seal the account phone numbers stored in plaintext before the
field was encrypted (SM4, jianfu.core.fields). Reversing writes them back in plaintext."""

from django.db import migrations

from jianfu.core import fields


def seal_phones(apps, schema_editor):
    User = apps.get_model("core", "User")
    # Reading a plaintext row returns it as it is; update() seals it on the way in.
    for pk, phone in User.objects.exclude(phone="").values_list("pk", "phone").iterator():
        if not isinstance(phone, fields.Unreadable):
            User.objects.filter(pk=pk).update(phone=phone)


def open_phones(apps, schema_editor):
    User = apps.get_model("core", "User")
    table = schema_editor.quote_name(User._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, phone FROM {table} WHERE phone LIKE %s", [fields.PREFIX + "%"])
        for pk, stored in cursor.fetchall():
            plain = fields.open_text(stored)
            if not isinstance(plain, fields.Unreadable):
                cursor.execute(f"UPDATE {table} SET phone = %s WHERE id = %s", [plain, pk])


class Migration(migrations.Migration):
    dependencies = [("core", "0008_login_security_and_sealed_phone")]

    operations = [migrations.RunPython(seal_phones, open_phones)]
