"""Each app declares its own retention rules (found by autodiscovery); datarights runs them in
one order and never reaches into another app's models to delete rows."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

from core import retention

ROOT = Path(__file__).resolve().parents[2]

# The order of the retention page, which the privacy statement's readers know.
PAGE_ORDER = [
    "newsletter_unconfirmed", "newsletter_unsubscribed", "inactive_profiles", "transactional_mail",
    "newsletter_bounces", "bounce_mail", "contact_handled", "data_requests", "access_links", "export_links",
    "consent_records", "access_log_delete",
]
OWNERS = {
    "newsletter_unconfirmed": "newsletter", "newsletter_unsubscribed": "newsletter", "inactive_profiles": "newsletter",
    "transactional_mail": "mail", "newsletter_bounces": "newsletter", "bounce_mail": "mail",
    "contact_handled": "contact",
    "data_requests": "datarights", "export_links": "datarights",
    "access_links": "datarights", "consent_records": "consent", "access_log_delete": "accesslog",
}


@pytest.mark.django_db
def test_the_retention_page_lists_every_rule_in_its_order(client):
    page = client.get("/en/privacy/retention/").content.decode()
    assert re.findall(r'<tr id="(\w+)"', page) == [*PAGE_ORDER, "hashes"]
    assert [rule.key for rule in retention.rules()] == PAGE_ORDER


def test_each_rule_is_declared_in_its_owning_apps_personal_data_module():
    assert {rule.key: rule.run.__module__ for rule in retention.rules()} == {
        key: f"{owner}.personal_data" for key, owner in OWNERS.items()
    }


def _imported_models(path: Path) -> set[str]:
    """The apps whose models module `path` imports (at any depth, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[1:2] == ["models"] or (len(parts) == 1 and any(a.name == "models" for a in node.names)):
                found.add(parts[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names if ".models" in alias.name}
    return found


def test_no_retention_code_imports_another_apps_models():
    project = [config for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)
               and ".venv" not in config.path]
    modules = [ROOT / "core" / "retention.py", ROOT / "newsletter" / "services" / "retention.py"]
    modules += [Path(config.path) / "personal_data.py" for config in project
                if (Path(config.path) / "personal_data.py").exists()]
    assert len(modules) == 8
    for module in modules:
        own = module.relative_to(ROOT).parts[0]
        assert _imported_models(module) <= {own}, module
