"""Jinja2 (sandboxed) templates per message kind and channel, with strings from a per-locale catalogue.

Each kind has ``files/<kind>/``: ``subject.txt``, ``body.txt``, ``body.html`` (email) and ``short.txt`` (WhatsApp
parameter, Signal text, digest line). Visible strings are keys looked up in ``locales/<locale>.json`` through
``_("key", name=value)`` (English shipped; a missing locale or key falls back to English). HTML autoescapes,
also the values substituted into translated strings.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from adpilot_notify.channels.base import Rendered

ROOT = Path(__file__).parent
FALLBACK_LOCALE = "en"


@cache
def catalogue(locale: str) -> dict[str, str]:
    path = ROOT / "locales" / f"{locale}.json"
    if not path.is_file():
        return {}
    messages: dict[str, str] = json.loads(path.read_text("utf-8"))
    return messages


def supported_locale(locale: str | None) -> str:
    if locale and catalogue(locale):
        return locale
    return FALLBACK_LOCALE


@cache
def environment(locale: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(ROOT / "files"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    messages, fallback = catalogue(locale), catalogue(FALLBACK_LOCALE)

    def gettext(key: str) -> str:
        return messages.get(key) or fallback.get(key) or key

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def render(kind: str, locale: str, context: dict[str, Any]) -> Rendered:
    env = environment(supported_locale(locale))

    def one(name: str) -> str:
        return env.get_template(f"{kind}/{name}").render(**context).strip()

    return Rendered(
        subject=one("subject.txt"), text=one("body.txt"), html=one("body.html"), short=one("short.txt")
    )
