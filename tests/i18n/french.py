"""What the French page tests share: a client that reads French, and French typography as the catalogues write it."""

from __future__ import annotations

import html
import re
from typing import Any

from django.test import Client

NBSP = "\u00a0"  # before : ; ? ! and inside « », as French typography asks


def french(client: Client | None = None) -> Client:
    """The client (a new anonymous one by default) with the language cookie the switcher sets."""
    client = client or Client()
    client.cookies["civicpact_language"] = "fr"
    return client


def typeset(text: str) -> str:
    """French typography as the catalogues write it: a no-break space before : ; ? ! and inside « »."""
    text = text.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")
    return re.sub(r" ([:;?!])", NBSP + r"\1", text)


def text(response: Any) -> str:
    """The response as a reader sees its text: entities such as &#x27; read as the characters they are."""
    return str(html.unescape(response.content.decode()))


def page(client: Client, url: str, **query: Any) -> str:
    """The text of a page that must answer 200."""
    response = client.get(url, query)
    assert response.status_code == 200, url
    return text(response)
