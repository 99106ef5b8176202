"""A clinician prints a client's referral or list in the client's language, whatever the
clinician's own interface language, without changing it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import i18n
from portal.models import ServiceList
from portal.models.catalog import utcnow
from tests.accounts import post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)


def html_lang(text: str) -> str:
    return re.search(r'<html lang="([^"]+)"', text).group(1)


@pytest.fixture
def referral_for(app, db):
    def make(preferred_language):
        org = OrganizationFactory(name="Harbor Counseling")
        service = ServiceFactory(organization=org, name="Harbor Outpatient")
        ServiceAtLocationFactory(service=service)
        clinician = UserFactory(role="clinician")
        client = ClientFactory(name="Avery Example", preferred_language=preferred_language)
        referral = ReferralFactory(
            client=client,
            service=service,
            status="requested",
            sent_at=utcnow(),
            created_by_id=clinician.id,
            need="Counseling",
        )
        ConsentFactory(client=client, organization=org)
        db.session.commit()
        return clinician, referral

    return make


@pytest.mark.parametrize(
    ("preference", "expected"),
    [
        ("es", "es"),
        ("Spanish", "es"),
        ("español", "es"),
        ("es-US", "es"),
        ("English", "en"),
        ("Amharic", None),
        (None, None),
        ("", None),
    ],
)
def test_a_client_preference_names_a_site_language(app, preference, expected):
    assert i18n.language_of(preference) == expected


def test_the_referral_prints_in_the_clients_language_not_the_clinicians(app, referral_for):
    clinician, referral = referral_for("Spanish")
    browser = signed_in(app, clinician)
    browser.get("/?lang=en")  # the clinician reads English
    printed = browser.get(f"/referrals/{referral.id}/print").get_data(as_text=True)
    assert html_lang(printed) == "es"
    assert "Su referido" in printed and "Para: Avery Example" in printed
    assert "Si necesita ayuda de inmediato" in printed  # the crisis lines, in Spanish
    # The clinician's own pages stay in English, and no cookie changed.
    page = browser.get(f"/referrals/{referral.id}")
    assert html_lang(page.get_data(as_text=True)) == "en"
    assert "print_in=es" in page.get_data(as_text=True)
    # An explicit choice wins over the record.
    english = browser.get(f"/referrals/{referral.id}/print?print_in=en")
    assert html_lang(english.get_data(as_text=True)) == "en"
    assert "Set-Cookie" not in english.headers


def test_without_a_known_preference_the_referral_prints_in_the_readers_language(app, referral_for):
    clinician, referral = referral_for("Amharic")
    browser = signed_in(app, clinician)
    printed = browser.get(f"/referrals/{referral.id}/print").get_data(as_text=True)
    assert html_lang(printed) == "en" and "Your referral" in printed


def test_the_list_prints_in_the_chosen_language(app, db, referral_for):
    clinician, referral = referral_for(None)
    browser = signed_in(app, clinician)
    response = post_form(browser, "/lists/new", {"service_ids": [referral.service_id]})
    assert response.status_code == 303
    token = db.session.scalar(select(ServiceList.token))
    page = browser.get(f"/l/{token}").get_data(as_text=True)
    assert html_lang(page) == "en" and f"/l/{token}?print_in=es" in page
    spanish = browser.get(f"/l/{token}?print_in=es").get_data(as_text=True)
    assert html_lang(spanish) == "es" and "Servicios para usted" in spanish
    assert html_lang(browser.get("/").get_data(as_text=True)) == "en"
