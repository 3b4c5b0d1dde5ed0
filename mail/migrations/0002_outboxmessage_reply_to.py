from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_outbox_from_newsletter")]

    operations = [
        migrations.AddField(
            model_name="outboxmessage", name="reply_to", field=models.EmailField(blank=True, max_length=254),
        ),
    ]
