"""The bot's fixed texts in the reader's language: gettext catalogs built with Babel.

How to use it (handlers and formatting):

- Handlers pick the locale once per update and pass a translator down::

      t = i18n.translator(locale)               # locale from the user's /lang choice, else
      locale = i18n.locale_for(user.language_code)  # Telegram's language_code ("zh-hans", "ko-KR", ...)

- Formatting functions are pure: they take the translator as a parameter and never look it up
  themselves::

      def limit_text(t: Translator, seconds: int) -> str:
          return t.ngettext("Please wait %(n)d second.", "Please wait %(n)d seconds.", seconds) % {"n": seconds}

  Write the English text inline as the msgid, with named `%(name)s` placeholders (never f-strings,
  which Babel cannot extract), and escape interpolated values for HTML yourself.
- A text needed before a translator exists (a module-level constant such as a command description)
  is marked with `N_("...")` and translated later with `t.gettext(constant)`.
- After adding or changing texts: `make messages` (pybabel extract, update, compile), translate the
  new entries in bot/locales/*/LC_MESSAGES/citebot.po, then `make messages` again to compile them.
  tests/test_i18n.py fails while any message lacks a translation in some language.
"""

from __future__ import annotations

import functools
import gettext
import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DOMAIN = "citebot"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
ENGLISH = "en"
# Babel locale identifiers; English is the msgids themselves, so it has no catalog.
LOCALES = (ENGLISH, "zh_Hans", "mn", "ko")
TRANSLATED_LOCALES = LOCALES[1:]
# Each language's own name, for the /lang buttons.
LANGUAGE_NAMES = {ENGLISH: "English", "zh_Hans": "简体中文", "mn": "Монгол", "ko": "한국어"}
# The document `language:` values (ISO 639-1) that each locale reads.
DOCUMENT_LANGUAGES = {ENGLISH: "en", "zh_Hans": "zh", "mn": "mn", "ko": "ko"}
_PRIMARY = {"zh": "zh_Hans", "mn": "mn", "ko": "ko", "en": ENGLISH}


def N_(message: str) -> str:
    """Marks a text for extraction without translating it yet."""
    return message


@dataclass(frozen=True)
class Translator:
    """gettext for one locale: `gettext(msgid)` and `ngettext(singular, plural, n)`."""

    locale: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    @property
    def document_language(self) -> str:
        """The ISO 639-1 code of this locale's language, as documents write it."""
        return DOCUMENT_LANGUAGES[self.locale]


def locale_for(language_code: str | None) -> str:
    """The supported locale for a Telegram language_code or a stored locale; English otherwise.

    All Chinese variants get simplified Chinese: a reader of traditional characters reads it far
    better than English.
    """
    if not language_code:
        return ENGLISH
    primary = language_code.replace("_", "-").split("-", 1)[0].strip().lower()
    return _PRIMARY.get(primary, ENGLISH)


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


@functools.cache
def translator(locale: str) -> Translator:
    """The translator for a locale from LOCALES (anything else gets English)."""
    locale = locale if locale in LOCALES else locale_for(locale)
    if locale == ENGLISH:
        return Translator(ENGLISH, gettext.NullTranslations())
    try:
        with catalog_path(locale).open("rb") as file:
            return Translator(locale, gettext.GNUTranslations(file))
    except (OSError, ValueError):
        # A missing or damaged catalog must not silence the bot: it speaks English instead.
        logger.exception("Could not load the %s message catalog; using English", locale)
        return Translator(locale, gettext.NullTranslations())


ENGLISH_TEXTS = translator(ENGLISH)
