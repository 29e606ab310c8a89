"""The Italian catalog: complete, compiled, and served only where the tenant offers Italian."""
import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import host_client

CATALOG = Path(settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|</?[a-zA-Z][^>]*>")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt/msgid/msgid_plural/msgstr/msgstr[n] and flags.

    Obsolete (#~) entries are left out: gettext does not compile them.
    """
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _space, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return [entry for entry in entries if "msgid" in entry]


def po_catalog(entries: list[dict]) -> dict:
    """The catalog as gettext's GNUTranslations keys it: msgid, ctxt\\x04msgid, (msgid, n)."""
    catalog = {}
    for entry in entries:
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            for field, text in entry.items():
                if field.startswith("msgstr["):
                    catalog[(msgid, int(field[7:-1]))] = text
        else:
            catalog[msgid] = entry["msgstr"]
    return catalog


def translations(entry: dict) -> list[str]:
    return [text for field, text in entry.items() if field.startswith("msgstr")]


@pytest.fixture(scope="module")
def entries():
    return parse_po(CATALOG / "django.po")


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 100
    untranslated = [entry["msgid"] for entry in entries
                    if entry["msgid"] and not all(translations(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_catalog_header_says_italian_with_two_plural_forms(entries):
    header = next(entry["msgstr"] for entry in entries if entry["msgid"] == "")
    assert "Language: it\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header


def test_every_translation_keeps_the_placeholders_and_tags_of_its_source(entries):
    changed = []
    for entry in entries:
        if not entry["msgid"]:
            continue
        for field, text in entry.items():
            if not field.startswith("msgstr"):
                continue
            source = entry["msgid"] if field in ("msgstr", "msgstr[0]") else entry["msgid_plural"]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                changed.append((source, text))
    assert changed == []


def test_the_compiled_catalog_matches_the_po_file(entries):
    with open(CATALOG / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    po = po_catalog(entries)
    # msgfmt leaves the template's creation date out of the compiled header.
    po[""] = re.sub(r"POT-Creation-Date: [^\n]*\n", "", po[""])
    stale = {key: (text, mo._catalog.get(key)) for key, text in po.items()
             if mo._catalog.get(key) != text}
    assert stale == {}, "run: python manage.py compilemessages --ignore=.venv"
    assert set(mo._catalog) == set(po)


def test_login_page_speaks_italian_when_the_tenant_offers_it_and_the_cookie_asks(tenant):
    tenant.policy.languages = ["en", "it"]
    tenant.policy.save()
    client = host_client(tenant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="it"' in body
    assert ">Accedi</button>" in body
    assert "Password dimenticata?" in body
    assert "Log in" not in body


def test_login_page_stays_english_when_the_tenant_offers_only_english(tenant):
    tenant.policy.languages = ["en"]
    tenant.policy.save()
    client = host_client(tenant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in body
    assert ">Log in</button>" in body
    assert "Accedi" not in body


def test_the_seed_004_labels_reach_italian_customers_in_italian(tenant, customer):
    from helpdesk.demo import TENANTS

    for name in ("label_help_desk", "label_new_ticket", "label_send_ticket"):
        setattr(tenant.policy, name, TENANTS["magespecialist"]["policy"][name])
    tenant.policy.save()
    customer.language = "it"
    customer.save()
    body = host_client(tenant, customer).get(reverse("tickets:new")).content.decode()
    assert "Crea nuovo ticket" in body and "Invia ticket" in body and "HELP DESK" in body
