from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_company_details")]

    operations = [
        migrations.AddField(
            model_name="companyprofile",
            name="legal_form",
            field=models.CharField(blank=True, help_text="E.g. NV or BV.", max_length=40, verbose_name="legal form"),
        ),
        migrations.AddField(
            model_name="companyprofile",
            name="register_court",
            field=models.CharField(
                blank=True, max_length=120, verbose_name="register (RPR/RPM) and court",
                help_text="As it must appear on the company's documents, e.g. 'RPR Antwerpen, afdeling Hasselt'.",
            ),
        ),
        migrations.AddField(
            model_name="companyprofile",
            name="vat_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="VAT number"),
        ),
    ]
