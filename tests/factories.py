"""factory_boy factories for catalog records; they flush into the test's session."""

from __future__ import annotations

import datetime as dt
from functools import cache

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from portal.catalog import vocabulary
from portal.extensions import db
from portal.models import (
    Address,
    Attribute,
    Client,
    Consent,
    Language,
    Location,
    Organization,
    Phone,
    Referral,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    Unit,
    User,
)
from portal.models.catalog import utcnow
from portal.models.people import MFA_REQUIRED_ROLES


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(BaseFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Sample Community Services {n}")
    description = "A fictional community organization."


class ServiceFactory(BaseFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Sample Counseling Program {n}")
    description = "Counseling for adults."
    status = "active"
    assured_date = factory.LazyFunction(lambda: dt.date(2026, 10, 1))


class LocationFactory(BaseFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Sample Center {n}")
    location_type = "physical"
    latitude = 38.8048
    longitude = -77.0469


class AddressFactory(BaseFactory):
    class Meta:
        model = Address

    location = factory.SubFactory(LocationFactory)
    address_1 = "100 Example Street"
    city = "Alexandria"
    state_province = "VA"
    postal_code = "22314"
    country = "US"
    address_type = "physical"


class ServiceAtLocationFactory(BaseFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)


class PhoneFactory(BaseFactory):
    class Meta:
        model = Phone

    number = "703-555-0100"
    type = "voice"


class ScheduleFactory(BaseFactory):
    class Meta:
        model = Schedule

    freq = "WEEKLY"
    byday = "MO,TU,WE,TH,FR"
    opens_at = dt.time(9, 0)
    closes_at = dt.time(17, 0)


class LanguageFactory(BaseFactory):
    class Meta:
        model = Language

    name = "Spanish"
    code = "es"


class TaxonomyFactory(BaseFactory):
    class Meta:
        model = Taxonomy

    id = vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    name = "Service categories"
    description = "What a service offers."


class TaxonomyTermFactory(BaseFactory):
    class Meta:
        model = TaxonomyTerm

    name = factory.Sequence(lambda n: f"Category {n}")
    code = factory.Sequence(lambda n: f"category-{n}")
    description = "A category."


class AttributeFactory(BaseFactory):
    class Meta:
        model = Attribute

    link_entity = "service"
    link_type = vocabulary.CATEGORY_LINK


# --- people (issue 4) ---------------------------------------------------------------------

DEFAULT_PASSWORD = "a calm river at dawn"


# scrypt with the smallest cost: the hash carries its parameters, so signing in as a factory
# user is quick. The app's own hashes use passwords.HASH_METHOD (tests/test_fixtures.py).
CHEAP_HASH_METHOD = "scrypt:1024:8:1"


@cache
def password_hash_of(password: str) -> str:
    """A scrypt hash of a test password, cheap to make and to check, made once per run."""
    return generate_password_hash(password, method=CHEAP_HASH_METHOD)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    class Params:
        password = DEFAULT_PASSWORD
        with_mfa = factory.Trait(
            totp_secret=factory.LazyFunction(pyotp.random_base32), mfa_enabled=True
        )

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = "clinician"
    active = True
    password_hash = factory.LazyAttribute(lambda o: password_hash_of(o.password))
    # Roles that must use MFA have it on, as in production; tests/accounts.py `log_in`
    # answers the second step. `mfa_enabled=False` makes a user who still owes set-up.
    mfa_enabled = factory.LazyAttribute(lambda o: o.role in MFA_REQUIRED_ROLES)
    totp_secret = factory.LazyAttribute(lambda o: pyotp.random_base32() if o.mfa_enabled else None)


# --- clients, consent and referrals (issue 5) ---------------------------------------------


class ClientFactory(BaseFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Jordan Sample {n}")
    phone = "703-555-0142"
    contact_preference = "call"
    approximate_age = 34


class ConsentFactory(BaseFactory):
    """A valid consent (no expiry yet) for the client to share with the organization."""

    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    organization = factory.SubFactory(OrganizationFactory)
    discloser = "Co-Response Program"
    information = "Name, phone and the reason for the referral."
    purpose = "To connect the person with treatment."
    expires_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))
    method = "paper"
    given_at = factory.LazyFunction(utcnow)


class ReferralFactory(BaseFactory):
    """A draft referral to a service; its organization is the service's."""

    class Meta:
        model = Referral

    client = factory.SubFactory(ClientFactory)
    service = factory.SubFactory(ServiceFactory)
    organization_id = factory.LazyAttribute(lambda o: o.service.organization_id)
    status = "draft"
    urgency = "routine"
    need = "Outpatient counseling"


# --- listings (issue 7) -------------------------------------------------------------------


class UnitFactory(BaseFactory):
    class Meta:
        model = Unit

    name = "beds"
