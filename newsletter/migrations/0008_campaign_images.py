"""Campaign images (newsletter/services/images.py): re-encoded uploads under unguessable names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0007_suppressions_hashed_into_mail'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignImage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(editable=False, max_length=200, unique=True, upload_to='', verbose_name='file')),
                ('alt_nl', models.CharField(help_text='What the image shows, for readers who cannot see it. It goes into the Markdown snippet.', max_length=300, verbose_name='alternative text (Dutch)')),
                ('alt_en', models.CharField(max_length=300, verbose_name='alternative text (English)')),
                ('width', models.PositiveIntegerField(editable=False, verbose_name='width (px)')),
                ('height', models.PositiveIntegerField(editable=False, verbose_name='height (px)')),
                ('size', models.PositiveIntegerField(editable=False, verbose_name='size (bytes)')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'campaign image',
                'verbose_name_plural': 'campaign images',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('alt_nl', ''), _negated=True), models.Q(('alt_en', ''), _negated=True)), name='newsletter_campaignimage_has_alt_text'), models.CheckConstraint(condition=models.Q(('file__regex', '^campaign-images/[0-9a-f]{32}\\.(jpg|png)$')), name='newsletter_campaignimage_file_name'), models.CheckConstraint(condition=models.Q(('height__gte', 1), ('size__gte', 1), ('width__gte', 1)), name='newsletter_campaignimage_dimensions')],
            },
        ),
    ]
