from django.conf import settings
from django.db import migrations


def create_system_user(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    user_model.objects.get_or_create(
        username=settings.ORDERHUB_SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "Order Hub", "last_name": "system"},
    )


class Migration(migrations.Migration):
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [migrations.RunPython(create_system_user, migrations.RunPython.noop)]
