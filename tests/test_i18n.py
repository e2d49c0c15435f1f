"""Message catalogs: every text exists in every language, with the same placeholders and markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from citebot.bot import i18n
from tests.telegram_html import parse_html

LOCALES_DIR = Path(i18n.__file__).resolve().parent / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?[a-z]+>")


def template():
    with (LOCALES_DIR / "citebot.pot").open("rb") as file:
        return read_po(file)


def catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "citebot.po").open("rb") as file:
        return read_po(file, locale=locale)


def msgids(messages) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


def forms(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def sources(message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def test_the_template_has_the_bots_texts():
    ids = msgids(template())
    assert len(ids) >= 30
    assert "What this bot does" in ids


@pytest.mark.parametrize("locale", i18n.TRANSLATED_LOCALES)
def test_every_message_is_translated_in_every_language(locale):
    translated = catalog(locale)
    assert msgids(translated) == msgids(template())
    for message in translated:
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        for text in forms(message):
            assert text.strip(), f"{locale}: no translation of {message.id!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(sources(message)[-1])), text
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(sources(message)[-1])), text
            assert text != sources(message)[0] or not re.search(r"[a-z]{3}", text), f"{locale}: untranslated {text!r}"


@pytest.mark.parametrize("locale", i18n.TRANSLATED_LOCALES)
def test_translations_are_valid_telegram_html_when_filled(locale):
    for message in catalog(locale):
        for text in forms(message) if message.id else []:
            filled = PLACEHOLDER.sub("1", text)
            assert parse_html(filled).text.strip()


@pytest.mark.parametrize("locale", i18n.TRANSLATED_LOCALES)
def test_compiled_catalogs_match_their_sources(locale):
    with i18n.catalog_path(locale).open("rb") as file:
        compiled = read_mo(file)
    source = catalog(locale)

    def entries(messages) -> dict:
        return {tuple(sources(m)): tuple(forms(m)) for m in messages if m.id}

    assert entries(compiled) == entries(source), "run `make messages` to compile the catalogs"


@pytest.mark.parametrize(
    "language_code, locale",
    [
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hans"),
        ("mn", "mn"),
        ("mn-MN", "mn"),
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ru", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("zh_Hans", "zh_Hans"),
        ("mongolian", "en"),
    ],
)
def test_telegram_language_codes_map_to_a_supported_locale(language_code, locale):
    assert i18n.locale_for(language_code) == locale


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", "What this bot does"),
        ("zh_Hans", "这个机器人能做什么"),
        ("mn", "Энэ бот юу хийдэг вэ"),
        ("ko", "이 봇이 하는 일"),
    ],
)
def test_translators_speak_their_language(locale, expected):
    assert i18n.translator(locale).gettext("What this bot does") == expected


def test_an_unknown_locale_gets_english():
    assert i18n.translator("fr").gettext("What this bot does") == "What this bot does"


def test_every_text_in_the_code_is_in_the_catalogs():
    root = Path(i18n.__file__).resolve().parent.parent
    in_code = {
        message if isinstance(message, str) else message[0]
        for folder in ("bot", "citebot")
        for _, _, message, _, _ in extract_from_dir(root / folder, method_map=[("**.py", "python")])
    }
    assert in_code - msgids(template()) == set(), "run `make messages` and translate the new texts"
