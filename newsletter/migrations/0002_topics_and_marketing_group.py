"""The topics the issue names. (The staff groups are defined in staff/migrations.)"""

from django.db import migrations

TOPICS = [
    ("newsletter", "Nieuwsbrief", "Newsletter", "Nieuws over iLumen, zonne-energie en slim energiebeheer.",
     "News about iLumen, solar energy and smart energy management.", True, 10),
    ("surveys", "Enquêtes", "Surveys", "Af en toe een vraag naar uw mening.",
     "Now and then a question about your opinion.", True, 20),
    ("product-info", "Productinformatie", "Product information", "Nieuwe producten en updates.",
     "New products and updates.", True, 30),
    ("privacy-changes", "Wijzigingen in de privacyverklaring", "Privacy statement changes",
     "Een bericht wanneer onze privacyverklaring wijzigt.", "A notice when our privacy statement changes.",
     True, 40),
]


def forward(apps, schema_editor):
    Topic = apps.get_model("newsletter", "Topic")
    for slug, name_nl, name_en, desc_nl, desc_en, public, position in TOPICS:
        Topic.objects.get_or_create(
            slug=slug,
            defaults={
                "name_nl": name_nl, "name_en": name_en, "description_nl": desc_nl, "description_en": desc_en,
                "is_public": public, "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
