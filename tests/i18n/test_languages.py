"""Languages and formats (docs/languages.md): the catalogues, the switcher, money and dates, OCDS `language`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.test import Client, override_settings
from django.utils import translation

from civicpact import l10n
from civicpact.ledger.services import ocid_mint, release_append
from tests.production import ROOT

SRC = ROOT / "src" / "civicpact"
CATALOGUES = sorted(SRC.glob("*/locale/fr/LC_MESSAGES/django.po"))


def _entries(po: Path) -> dict[Any, Message]:
    """The catalogue's entries by (context, msgid): one English text may have several contexts."""
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    return {(m.context, m.id): m for m in catalogue if m.id}


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def test_the_french_catalogues_exist_for_the_interface():
    assert {p.parts[-5] for p in CATALOGUES} >= {"web"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated_and_none_is_fuzzy(po):
    entries = _entries(po)
    untranslated = [m.id for m in entries.values() if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in entries.values() if m.fuzzy]
    assert not untranslated, f"{po.relative_to(ROOT)}: translate {untranslated[:10]} then run `make messages`"
    assert not fuzzy, f"{po.relative_to(ROOT)}: check and unmark the fuzzy entries {fuzzy[:10]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalogue_matches_its_source(po):
    with po.with_suffix(".mo").open("rb") as handle:
        # Babel reads a plural entry of a .mo file as lists (msgid and msgid_plural; one string per form), of a .po
        # file as tuples
        compiled = {(m.context, _tupled(m.id)): _tupled(m.string) for m in read_mo(handle) if m.id}
    source = {key: m.string for key, m in _entries(po).items()}
    assert compiled == source, f"{po.relative_to(ROOT)} changed since it was compiled: run `make messages`"


def test_one_english_text_has_one_french_translation_across_the_apps():
    """Django merges the apps' catalogues, the earlier app winning: a text translated two ways would show one of them
    everywhere. Where the French differs by gender or sense, the text takes a context (docs/languages.md)."""
    translations: dict[Any, dict[Any, str]] = {}
    for po in CATALOGUES:
        for key, message in _entries(po).items():
            translations.setdefault(key, {})[message.string] = po.parts[-5]
    clashes = {key: seen for key, seen in translations.items() if len(seen) > 1}
    assert not clashes, f"give these a context or one translation: {sorted(clashes.items(), key=str)[:5]}"


def test_the_french_catalogues_use_one_apostrophe():
    curly = [(po.parts[-5], key) for po in CATALOGUES for key, m in _entries(po).items() if "\u2019" in str(m.string)]
    assert not curly, f"write the straight apostrophe (') as the rest of the catalogues do: {curly[:5]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext's xgettext is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_marked_string_of_the_app_is_in_its_catalogue(po, tmp_path):
    """What `make messages` would collect now is already in the committed catalogue (no string left untranslated)."""
    app = po.parents[3]
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po"))
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "django",
            "makemessages",
            "-l",
            "fr",
            "--settings=civicpact.settings",
            "--add-location=never",
            "-i",
            "tests/*",
            "-i",
            "migrations/*",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    fresh = set(_entries(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    missing = sorted(map(str, fresh - set(_entries(po))))
    assert not missing, f"{app.name}: new strings to translate (run `make messages`): {missing[:10]}"


@pytest.mark.django_db
def test_a_person_switches_the_interface_to_french_and_back():
    client = Client()
    page = client.get("/")
    assert '<html lang="en' in page.content.decode()
    assert "Sign in" in page.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/"
    french = client.get("/").content.decode()
    assert '<html lang="fr"' in french
    assert "Se connecter" in french
    assert 'value="en" lang="en"' in french  # the way back
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Sign in" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_browser_s_language_is_used_until_the_person_chooses():
    assert '<html lang="fr"' in Client(HTTP_ACCEPT_LANGUAGE="fr-BE,fr;q=0.9").get("/").content.decode()
    assert '<html lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_not_set():
    client = Client()
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert '<html lang="en"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [("en", "1234567.5", "€1,234,567.50"), ("fr", "1234567.5", "1\u202f234\u202f567,50\xa0€"), ("en", None, "—")],
)
def test_money_is_written_the_locale_s_way(language, amount, expected):
    with translation.override(language):
        assert l10n.money(amount, "EUR") == expected


def test_whole_amounts_drop_the_cents_and_keep_the_locale_s_symbol_place():
    with translation.override("en"):
        assert l10n.money("24000000.40", "EUR", decimals=False) == "€24,000,000"
        assert l10n.money("1500", "GBP", decimals=False) == "£1,500"
    with translation.override("fr"):
        assert l10n.money("24000000.40", "EUR", decimals=False) == "24\u202f000\u202f000\xa0€"


@override_settings(LANGUAGE_CODE="fr-be")
def test_the_city_s_region_shapes_its_own_language():
    with translation.override("fr"):
        assert l10n.locale_name() == "fr_BE"
    with translation.override("en"):
        assert l10n.locale_name() == "en"


def test_the_template_filters_follow_the_active_language():
    template = Template('{{ v|money:"EUR" }} {{ v|money_whole:"EUR" }} {{ v|number:1 }} {{ d|date:"DATE_FORMAT" }}')
    context = Context({"v": "1234.56", "d": date(2026, 12, 7)})
    with translation.override("en"):
        assert template.render(context) == "€1,234.56 €1,235 1,234.6 7 Dec 2026"
    with translation.override("fr"):
        assert template.render(context) == "1\u202f234,56\xa0€ 1\u202f235\xa0€ 1\u202f234,6 7 déc. 2026"


def test_dates_and_times_are_in_the_city_s_time_zone_and_the_reader_s_words():
    moment = datetime(2026, 12, 7, 13, 5, tzinfo=ZoneInfo("UTC"))
    with override_settings(TIME_ZONE="Europe/Paris"), translation.override("fr"):
        assert l10n.when(moment, with_time=True) == "7 déc. 2026 14:05"
    with translation.override("en"):
        assert l10n.when(date(2026, 3, 1)) == "1 Mar 2026"
        assert l10n.when(None) == "—"


@pytest.mark.django_db
def test_ocds_releases_declare_the_city_s_language():
    ocid = ocid_mint(actor=None, obj="pipeline.project:1", local_id="language-1").ocid
    assert release_append(actor=None, ocid=ocid, tags=["planning"]).body["language"] == "en"
    with override_settings(CIVICPACT_OCDS_LANGUAGE="fr"):
        assert release_append(actor=None, ocid=ocid, tags=["planning"]).body["language"] == "fr"


def test_a_language_the_interface_does_not_speak_is_refused_at_start(tmp_path):
    from tests.production import production_env

    env = production_env(tmp_path / "data", CIVICPACT_LANGUAGE="de", CIVICPACT_ENV="development")
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "CIVICPACT_LANGUAGE='de': choose one of en, fr" in result.stderr


@pytest.mark.django_db
def test_the_api_answers_in_english_to_a_french_reader():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.cookies["civicpact_language"] = "fr"
    response = client.get("/api/v1/ocds/releases?page=0")
    assert response.status_code == 422
    assert response["Content-Language"] == "en"
    assert "Se connecter" in client.get("/").content.decode()  # the pages still speak French


def test_chart_coordinates_stay_numbers_for_the_browser_in_french():
    """A French decimal comma in an SVG coordinate (x="309,5") would break the drawing; the figures stay French."""
    from django.template.loader import render_to_string

    chart = {
        "width": 640,
        "height": 200,
        "left": 60.5,
        "title": "Paiements",
        "y_labels": [(20.5, "1,5 M€")],
        "columns": [{"x": 309.5, "y": 10.25, "width": 12.5, "height": 80.75, "series": 0, "colour": "#123"}],
    }
    with translation.override("fr"):
        html = render_to_string("includes/chart_years.html", {"chart": chart, "id": "c"})
    assert 'x="309.5"' in html
    assert 'height="80.75"' in html
    assert "1,5 M€" in html
