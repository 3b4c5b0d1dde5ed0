"""IP addresses are truncated when written (accesslog.buffer): rows written before still hold
a full address, so they are truncated here, and the flag and the retention rule that
truncated them later go."""

from django.db import migrations, models

BATCH = 5000


def truncate_full_addresses(apps, schema_editor):
    from core.ipaddress import truncate_ip

    PageView = apps.get_model("accesslog", "PageView")
    due = PageView.objects.filter(ip_truncated=False).exclude(ip=None).order_by("pk")
    last_pk = 0
    while rows := list(due.filter(pk__gt=last_pk).values_list("pk", "ip")[:BATCH]):
        PageView.objects.bulk_update(
            [PageView(pk=pk, ip=truncate_ip(ip), ip_truncated=True) for pk, ip in rows], ["ip", "ip_truncated"],
            batch_size=1000,
        )
        last_pk = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0002_marketing_sees_statistics")]

    operations = [
        migrations.RunPython(truncate_full_addresses, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="pageview", name="accesslog_pageview_ip_full"),
        migrations.RemoveField(model_name="pageview", name="ip_truncated"),
        migrations.AlterField(
            model_name="pageview", name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address (truncated)"),
        ),
    ]
