"""The table of every DatabaseCache in CACHES (`fleet_cache` unless REDIS_URL is set), so that `migrate` alone
prepares a server: this is `manage.py createcachetable`, which skips tables that already exist."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("fleet", "0002_api_clients")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
