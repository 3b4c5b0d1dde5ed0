"""The company details and key-figure labels from the customer's old website.

The key-figure numbers were not part of the texts we received: they start empty
(and hidden) until someone at iLumen enters them in the admin.
"""

from django.db import migrations

KEY_FIGURES = [
    ("Smart homes installed", "Slimme woningen geïnstalleerd"),
    ("iLumen partners", "iLumen-partners"),
    ("Years of powering green", "Jaar groene energie"),
    (
        "Awards and 3 more nominations for innovative energy solutions",
        "Prijzen en nog 3 nominaties voor innovatieve energieoplossingen",
    ),
    ("Enterprise energy management projects", "Energiebeheerprojecten voor bedrijven"),
    ("Countries with iLumen products.", "Landen met iLumen-producten."),
]


def forward(apps, schema_editor):
    CompanyProfile = apps.get_model("pages", "CompanyProfile")
    KeyFigure = apps.get_model("pages", "KeyFigure")
    CompanyProfile.objects.get_or_create(
        singleton=True,
        defaults={
            "legal_name": "iLumen",
            "street": "Ambachtsstraat 19",
            "street_extra": "Poort West-Limburg 1060",
            "postal_code": "B-3980",
            "city": "Tessenderlo",
            "phone": "+32 (0) 800 82 061",
            "phone_international": "+32 13 22 02 00",
            "email": "info@ilumen.be",
            "privacy_email": "info@ilumen.be",
        },
    )
    if not KeyFigure.objects.exists():
        KeyFigure.objects.bulk_create(
            KeyFigure(label_en=en, label_nl=nl, position=index) for index, (en, nl) in enumerate(KEY_FIGURES)
        )


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
