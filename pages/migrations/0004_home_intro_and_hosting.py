# The home page's introduction per language and the hosting provider on the legal notice (issue 15, point 11).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pages', '0003_company_identity'),
    ]

    operations = [
        migrations.AddField(
            model_name='companyprofile',
            name='hosting_address',
            field=models.CharField(blank=True, max_length=300, verbose_name="hosting provider's address"),
        ),
        migrations.AddField(
            model_name='companyprofile',
            name='hosting_name',
            field=models.CharField(blank=True, help_text='Shown on the legal notice when filled in.', max_length=200, verbose_name='hosting provider'),
        ),
        migrations.AddField(
            model_name='companyprofile',
            name='hosting_website',
            field=models.URLField(blank=True, verbose_name="hosting provider's website"),
        ),
        migrations.AddField(
            model_name='companyprofile',
            name='intro_en',
            field=models.TextField(blank=True, max_length=1000, verbose_name='introduction (English)'),
        ),
        migrations.AddField(
            model_name='companyprofile',
            name='intro_nl',
            field=models.TextField(blank=True, help_text="The text under the home page's title. Empty: the site's standard text. A blank line starts a new paragraph.", max_length=1000, verbose_name='introduction (Dutch)'),
        ),
    ]
