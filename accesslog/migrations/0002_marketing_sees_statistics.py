"""Kept as a step in the history only: the staff groups, including Marketing's view of
the page statistics, are defined in one place, staff/roles.py, and set by staff/0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0001_initial")]

    operations = []
