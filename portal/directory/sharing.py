"""Share what you found (issue 12, point 6): "Text this" and "Email this" links, a QR code, and
the resident's own short list, kept in a cookie on their device (service ids only: nothing
about the person reaches the server), which they can turn into a public link like the
clinicians' lists."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import segno
from markupsafe import Markup

from portal import inputs
from portal.auth.tokens import external_url
from portal.translated import gettext as _

COOKIE = "my_list"
COOKIE_DAYS = 180
MAX_SAVED = 20  # as many as a clinician's list holds
SEPARATOR = "."  # a comma would be quoted in a cookie; ids have none of these


# Drawing a code is most of a service page's own work, and the same link and title always
# draw the same picture, so nothing kept here can go out of date.
@lru_cache(maxsize=512)
def qr_svg(link: str, title: str) -> Markup:
    """The link as a QR code, an inline SVG drawn on the server (no script, no image file)."""
    return Markup(segno.make(link, error="m").svg_inline(scale=4, title=title))


@dataclass(frozen=True)
class ShareLinks:
    sms: str
    mailto: str
    link: str | None  # the page shared, with its QR code; None for a list only on this device
    qr: Markup | None


@dataclass(frozen=True)
class Shared:
    """One service as a message carries it."""

    name: str
    phone: str | None
    address: str | None
    link: str

    def lines(self) -> list[str]:
        return [part for part in (self.name, self.phone, self.address, self.link) if part]


def share_links(subject: str, services: list[Shared], link: str | None) -> ShareLinks:
    """Text and email links whose message names each service with its phone, address and
    page, then the page being shared (when it is not the one service's own)."""
    blocks = ["\n".join(s.lines()) for s in services]
    if link and not (len(services) == 1 and services[0].link == link):
        blocks.append(link)
    body = "\n\n".join(blocks)
    # iOS reads the body after "&", Android after "?": "?&body=" works on both.
    sms = "sms:?&body=" + quote(body, safe="")
    mailto = "mailto:?subject=" + quote(subject, safe="") + "&body=" + quote(body, safe="")
    qr = qr_svg(link, _("QR code: a link to this page")) if link else None
    return ShareLinks(sms, mailto, link, qr)


def saved_ids(cookie: str | None) -> list[str]:
    """The service ids in the short-list cookie, in order, without repeats or bad values."""
    found: list[str] = []
    for part in (cookie or "").split(SEPARATOR):
        value = inputs.record_id(part.strip())
        if value is not None and value not in found:
            found.append(value)
    return found[:MAX_SAVED]


def cookie_value(ids: list[str]) -> str:
    return SEPARATOR.join(ids[:MAX_SAVED])


def service_link(service_id: str) -> str:
    """The service page's address on the public site (PORTAL_BASE_URL, never the request's)."""
    return external_url("directory.service", service_id=service_id)


def of_page(view) -> Shared:
    """A service page (presenters.ServicePage) as a message carries it."""
    return Shared(
        name=view.service.name,
        phone=view.phones[0].display if view.phones else None,
        address=next((place.address for place in view.locations if place.address), None),
        link=service_link(view.service.id),
    )


def of_listing(item) -> Shared:
    """A list entry (presenters.ServiceListing) as a message carries it."""
    card = item.card
    return Shared(
        name=card.name,
        phone=card.phone.display if card.phone else None,
        address=card.place,
        link=service_link(card.id),
    )
