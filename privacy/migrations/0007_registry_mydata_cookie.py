"""The my-data page's cookie (`ilumen_mydata`, set by datarights after a visitor opens their
link) in the strictly necessary category, where 0004 left it out.

No new cookie-policy revision: a strictly necessary cookie needs no consent, and
`registry_material` leaves the necessary category's cookies out, so revision 1 still
matches and nobody is asked again. The texts are written out here so that this migration
keeps doing the same thing whatever the application code becomes.
"""

from django.db import migrations

NAME = "ilumen_mydata"
COOKIE = {
    "provider": "iLumen",
    "domain": "",
    "purpose_nl": (
        "Houdt de pagina ‘Mijn gegevens’ open nadat u de link uit onze e-mail gebruikte, zodat u uw gegevens "
        "kunt inzien, verbeteren of laten wissen. Alleen wie die pagina opent, krijgt deze cookie."
    ),
    "purpose_en": (
        "Keeps the “My data” page open after you used the link from our e-mail, so that you can see, correct "
        "or erase your data. Only visitors who open that page get this cookie."
    ),
    "lifetime_nl": "30 minuten",
    "lifetime_en": "30 minutes",
}


def add(apps, schema_editor):
    Category = apps.get_model("privacy", "Category")
    Cookie = apps.get_model("privacy", "Cookie")
    necessary = Category.objects.filter(key="necessary", necessary=True).first()
    if necessary is None or Cookie.objects.filter(name=NAME, domain="").exists():
        return  # a registry the staff built otherwise, or one that lists it already
    position = max(necessary.cookies.values_list("position", flat=True), default=-1) + 1
    Cookie.objects.create(category=necessary, name=NAME, position=position, **COOKIE)


def remove(apps, schema_editor):
    apps.get_model("privacy", "Cookie").objects.filter(name=NAME, domain="", category__key="necessary").delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0006_gpc_refusal_day")]
    operations = [migrations.RunPython(add, remove)]
