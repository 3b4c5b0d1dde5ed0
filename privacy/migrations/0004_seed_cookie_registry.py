"""The cookie registry as the privacy statement describes it, and its first revision.

Functional cookies (session, CSRF, language, consent) are always on; Google Analytics'
cookies and the social networks' cookies (Facebook, Twitter, LinkedIn) only with consent.
The snapshot is built here rather than by importing the service, so that this migration
keeps doing the same thing whatever the application code becomes.
"""

from django.db import migrations

CATEGORIES = [
    {
        "key": "necessary", "necessary": True, "position": 0,
        "name_nl": "Strikt noodzakelijk", "name_en": "Strictly necessary",
        "description_nl": (
            "Cookies zonder welke de site niet werkt: ze beveiligen de formulieren, onthouden uw taal en "
            "onthouden uw cookiekeuze. Ze staan altijd aan, worden alleen door iLumen zelf geplaatst en volgen u niet."
        ),
        "description_en": (
            "Cookies the site cannot work without: they protect the forms, remember your language and remember "
            "your cookie choices. They are always on, are set only by iLumen itself and do not track you."
        ),
        "cookies": [
            ("csrftoken", "iLumen", "",
             "Beschermt de formulieren van de site tegen vervalste verzoeken van andere sites (CSRF).",
             "Protects the site's forms against forged requests from other sites (CSRF).",
             "1 jaar", "1 year"),
            ("django_language", "iLumen", "",
             "Onthoudt de taal die u koos.", "Remembers the language you chose.",
             "1 jaar", "1 year"),
            ("ilumen_consent", "iLumen", "",
             "Onthoudt uw cookiekeuze en uw toestemmings-id, zodat we het niet op elke pagina opnieuw vragen.",
             "Remembers your cookie choices and your consent id, so that we do not ask again on every page.",
             "6 maanden", "6 months"),
            ("sessionid", "iLumen", "",
             "Houdt een medewerker aangemeld in het beheer van de site. Bezoekers krijgen deze cookie niet.",
             "Keeps a staff member signed in to the site's administration. Visitors do not get this cookie.",
             "tot de browser sluit (hoogstens 8 uur)", "until the browser closes (at most 8 hours)"),
        ],
    },
    {
        "key": "analytics", "necessary": False, "position": 1,
        "name_nl": "Statistieken (Google Analytics)", "name_en": "Statistics (Google Analytics)",
        "description_nl": (
            "Met uw toestemming gebruiken we Google Analytics om bezoeken te tellen en te zien hoe de site gebruikt "
            "wordt, zodat we ze kunnen verbeteren. Deze gegevens delen we niet met anderen. Google Analytics wordt "
            "pas geladen nadat u ja zegt."
        ),
        "description_en": (
            "With your consent we use Google Analytics to count visits and see how the site is used, so that we "
            "can improve it. We do not share this data with others. Google Analytics is only loaded after you "
            "say yes."
        ),
        "cookies": [
            ("_ga", "Google (Google Analytics)", "",
             "Onderscheidt bezoekers met een willekeurige code.", "Distinguishes visitors by a random identifier.",
             "2 jaar", "2 years"),
            ("_ga_*", "Google (Google Analytics)", "",
             "Houdt de toestand van een bezoek (sessie) bij voor onze meet-id.",
             "Keeps the state of a visit (session) for our measurement id.",
             "2 jaar", "2 years"),
            ("_gid", "Google (Google Analytics)", "",
             "Onderscheidt bezoekers gedurende één dag.", "Distinguishes visitors for one day.",
             "24 uur", "24 hours"),
            ("_gat*", "Google (Google Analytics)", "",
             "Beperkt het aantal verzoeken aan Google Analytics.", "Limits the rate of requests to Google Analytics.",
             "1 minuut", "1 minute"),
        ],
    },
    {
        "key": "social", "necessary": False, "position": 2,
        "name_nl": "Sociale media", "name_en": "Social media",
        "description_nl": (
            "Met uw toestemming laden we ingesloten berichten en knoppen van Facebook, Twitter (X) en LinkedIn. "
            "Die netwerken kunnen u dan herkennen (bijvoorbeeld als u bij hen bent aangemeld) en hun eigen cookies "
            "plaatsen. Zonder toestemming werken de deellinks gewoon, maar wordt er niets van die netwerken geladen."
        ),
        "description_en": (
            "With your consent we load embedded posts and buttons of Facebook, Twitter (X) and LinkedIn. These "
            "networks can then recognise you (for example when you are logged in to them) and set their own "
            "cookies. Without consent the share links still work, but nothing is loaded from these networks."
        ),
        "cookies": [
            ("datr", "Meta (Facebook)", "facebook.com",
             "Herkent de browser, voor de beveiliging van Facebook.", "Identifies the browser, for Facebook's security.",
             "2 jaar", "2 years"),
            ("fr", "Meta (Facebook)", "facebook.com",
             "Toont en meet advertenties en herkent aangemelde gebruikers.",
             "Shows and measures advertising and recognises logged-in users.",
             "90 dagen", "90 days"),
            ("guest_id", "X (Twitter)", "twitter.com",
             "Herkent een bezoeker die niet bij X (Twitter) is aangemeld.",
             "Identifies a visitor who is not logged in to X (Twitter).",
             "13 maanden", "13 months"),
            ("personalization_id", "X (Twitter)", "twitter.com",
             "Volgt activiteit over sites heen voor gepersonaliseerde inhoud en advertenties.",
             "Follows activity across sites for personalised content and advertising.",
             "13 maanden", "13 months"),
            ("bcookie", "LinkedIn", "linkedin.com",
             "Herkent de browser bij LinkedIn.", "Identifies the browser to LinkedIn.",
             "1 jaar", "1 year"),
            ("lidc", "LinkedIn", "linkedin.com",
             "Kiest het datacenter van LinkedIn dat de verzoeken behandelt.",
             "Chooses the LinkedIn data centre that handles the requests.",
             "24 uur", "24 hours"),
            ("li_gc", "LinkedIn", "linkedin.com",
             "Onthoudt de cookiekeuze van bezoekers die niet bij LinkedIn zijn aangemeld.",
             "Remembers the cookie choice of visitors who are not logged in to LinkedIn.",
             "6 maanden", "6 months"),
        ],
    },
]


def seed(apps, schema_editor):
    Category = apps.get_model("privacy", "Category")
    Cookie = apps.get_model("privacy", "Cookie")
    RegistryRevision = apps.get_model("privacy", "RegistryRevision")
    if Category.objects.exists() or RegistryRevision.objects.exists():
        return
    snapshot = {"categories": []}
    for data in CATEGORIES:
        fields = {k: v for k, v in data.items() if k != "cookies"}
        category = Category.objects.create(**fields)
        cookies = []
        for position, (name, provider, domain, purpose_nl, purpose_en, lifetime_nl, lifetime_en) in enumerate(
            data["cookies"]
        ):
            Cookie.objects.create(
                category=category, name=name, provider=provider, domain=domain, position=position,
                purpose_nl=purpose_nl, purpose_en=purpose_en, lifetime_nl=lifetime_nl, lifetime_en=lifetime_en,
            )
            cookies.append({
                "name": name, "provider": provider, "domain": domain, "position": position,
                "purpose": {"nl": purpose_nl, "en": purpose_en}, "lifetime": {"nl": lifetime_nl, "en": lifetime_en},
            })
        snapshot["categories"].append({
            "key": category.key, "necessary": category.necessary, "position": category.position,
            "name": {"nl": category.name_nl, "en": category.name_en},
            "description": {"nl": category.description_nl, "en": category.description_en},
            "cookies": sorted(cookies, key=lambda c: (c["position"], c["name"])),
        })
    RegistryRevision.objects.create(number=1, snapshot=snapshot)


def unseed(apps, schema_editor):
    apps.get_model("privacy", "ConsentRecord").objects.all().delete()
    apps.get_model("privacy", "RegistryRevision").objects.all().delete()
    apps.get_model("privacy", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_consent_registry_and_records")]
    operations = [migrations.RunPython(seed, unseed)]
