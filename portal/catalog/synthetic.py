"""A large synthetic catalog for load tests and benchmarks (10,000 to 100,000+ services).

Rows are built as plain dicts and bulk-inserted batch by batch, so memory stays flat however
many services are asked for. Names and descriptions are composed from word lists so full-text
search sees realistic vocabulary. The same seed, starting from the same catalog, gives the same
rows: the random stream is keyed on the seed and the number of services already there.
Organizations are marked legal_status "Synthetic test data" so they are easy to find.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog import vocabulary
from portal.catalog.seed import (
    RowBatch,
    attribute_id,
    count_services,
    ensure_units,
    ensure_vocabulary,
    read_sample_catalog,
)
from portal.models import (
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)

DEFAULT_BATCH_SIZE = 2000
SYNTHETIC_LEGAL_STATUS = "Synthetic test data"
REFERENCE_DATE = dt.date(2026, 11, 26)  # fixed, so a seed always gives the same dates

# (zip, city, region, latitude, longitude) across Northern Virginia
ZIP_AREAS = [
    ("22301", "Alexandria", "City of Alexandria", 38.819, -77.059),
    ("22302", "Alexandria", "City of Alexandria", 38.829, -77.086),
    ("22304", "Alexandria", "City of Alexandria", 38.813, -77.113),
    ("22305", "Alexandria", "City of Alexandria", 38.837, -77.063),
    ("22311", "Alexandria", "City of Alexandria", 38.834, -77.122),
    ("22314", "Alexandria", "City of Alexandria", 38.806, -77.052),
    ("22303", "Alexandria", "Fairfax County", 38.792, -77.080),
    ("22306", "Alexandria", "Fairfax County", 38.758, -77.088),
    ("22309", "Alexandria", "Fairfax County", 38.722, -77.108),
    ("22310", "Alexandria", "Fairfax County", 38.780, -77.120),
    ("22312", "Alexandria", "Fairfax County", 38.817, -77.155),
    ("22315", "Alexandria", "Fairfax County", 38.757, -77.152),
    ("22201", "Arlington", "Arlington County", 38.887, -77.093),
    ("22202", "Arlington", "Arlington County", 38.856, -77.052),
    ("22203", "Arlington", "Arlington County", 38.874, -77.116),
    ("22204", "Arlington", "Arlington County", 38.860, -77.100),
    ("22206", "Arlington", "Arlington County", 38.844, -77.088),
    ("22207", "Arlington", "Arlington County", 38.905, -77.125),
    ("22209", "Arlington", "Arlington County", 38.895, -77.073),
    ("22003", "Annandale", "Fairfax County", 38.830, -77.212),
    ("22030", "Fairfax", "City of Fairfax", 38.846, -77.306),
    ("22031", "Fairfax", "Fairfax County", 38.860, -77.260),
    ("22041", "Falls Church", "Fairfax County", 38.850, -77.142),
    ("22044", "Falls Church", "Fairfax County", 38.859, -77.152),
    ("22046", "Falls Church", "City of Falls Church", 38.886, -77.180),
    ("22060", "Fort Belvoir", "Fairfax County", 38.708, -77.145),
    ("22079", "Lorton", "Fairfax County", 38.694, -77.207),
    ("22150", "Springfield", "Fairfax County", 38.779, -77.185),
    ("22151", "Springfield", "Fairfax County", 38.803, -77.210),
    ("22152", "Springfield", "Fairfax County", 38.775, -77.230),
    ("22015", "Burke", "Fairfax County", 38.788, -77.280),
    ("22180", "Vienna", "Fairfax County", 38.895, -77.255),
    ("22191", "Woodbridge", "Prince William County", 38.633, -77.265),
    ("20110", "Manassas", "City of Manassas", 38.748, -77.485),
]
STREETS = [
    "King Street",
    "Duke Street",
    "Mount Vernon Avenue",
    "Commonwealth Avenue",
    "Eisenhower Avenue",
    "Van Dorn Street",
    "Seminary Road",
    "Beauregard Street",
    "Richmond Highway",
    "Franconia Road",
    "Backlick Road",
    "Columbia Pike",
    "Wilson Boulevard",
    "Clarendon Boulevard",
    "Langston Boulevard",
    "Glebe Road",
    "Little River Turnpike",
    "Leesburg Pike",
    "Arlington Boulevard",
    "Braddock Road",
    "Old Keene Mill Road",
    "Telegraph Road",
    "Kings Highway",
    "Fort Hunt Road",
    "Main Street",
    "Chain Bridge Road",
    "Lee Highway",
    "Gallows Road",
    "Annandale Road",
    "Edsall Road",
]
PLACES = [
    "Potomac",
    "Cameron Run",
    "Holmes Run",
    "Four Mile Run",
    "Backlick",
    "Accotink",
    "Pohick",
    "Belle Haven",
    "Hybla Valley",
    "Lincolnia",
    "Rose Hill",
    "Huntley",
    "Groveton",
    "Hayfield",
    "Landmark",
    "Shirlington",
    "Fairlington",
    "Ballston",
    "Clarendon",
    "Lyon Park",
    "Bluemont",
    "Westover",
    "Cherrydale",
    "Seven Corners",
    "Annandale",
    "Burke Lake",
    "Lorton",
    "Franconia",
    "Kingstowne",
    "Huntington",
    "Del Ray",
    "Rosemont",
    "Carlyle",
    "Parkfairfax",
    "Oronoco",
    "Jones Point",
    "Dyke Marsh",
    "Lake Barcroft",
    "Pimmit Run",
    "Long Branch",
    "Mason Neck",
    "Occoquan",
    "Wakefield",
    "Cub Run",
    "Difficult Run",
    "Sugarland",
    "Bull Run",
    "Signal Hill",
]
ORG_NOUNS = [
    "Counseling Center",
    "Recovery Services",
    "Family Services",
    "Health Partners",
    "Wellness Collaborative",
    "Community Clinic",
    "Behavioral Health",
    "Peer Network",
    "Housing Alliance",
    "Food Network",
    "Legal Aid Project",
    "Youth Services",
    "Treatment Center",
    "Community Care",
    "Support Network",
    "Neighborhood Health",
    "Resource Center",
    "Outreach",
]
NAME_PREFIXES = [
    "",
    "",
    "",
    "Evening",
    "Weekend",
    "Walk-In",
    "Bilingual",
    "Community",
    "Same-Day",
    "Telehealth",
    "Mobile",
    "Low-Cost",
    "Free",
    "Short-Term",
    "Ongoing",
]
NAME_SUFFIXES = [
    "",
    "",
    "",
    "for Adults",
    "for Teens",
    "for Families",
    "for Veterans",
    "for Older Adults",
    "in Spanish",
    "for Women",
    "for Young Adults",
    "for Deaf and Hard of Hearing People",
    "for LGBTQ+ People",
    "for New Immigrants",
]
# First sentence of a description, by top-level category code.
TOPIC_SENTENCES = {
    "crisis": [
        "Trained counselors help you through a mental health or substance use crisis.",
        "Call any time if you or someone you love may not be safe.",
        "A crisis team listens, helps you calm down and plans next steps with you.",
    ],
    "substance-use": [
        "Treatment for alcohol, opioid, stimulant and cannabis use.",
        "Counselors help you cut back or stop drinking or using drugs.",
        "Care for withdrawal, cravings and recovery, with medical support.",
    ],
    "medication-for-opioid-use": [
        "Medication for opioid use disorder, such as buprenorphine or methadone.",
        "Start medicine that eases withdrawal and cravings and lowers overdose risk.",
        "Prescribers and counselors help you stay steady on medication.",
    ],
    "mental-health": [
        "Therapy for depression, anxiety, trauma, grief and stress.",
        "Licensed counselors and psychiatrists help with mood and mental health medicines.",
        "Groups teach skills for worry, sleep and strong emotions.",
    ],
    "recovery": [
        "Peers with lived experience support your recovery, whatever path you choose.",
        "A place to connect with others in recovery, with meetings and coaching.",
        "Safe, substance-free housing with house meetings and peer support.",
    ],
    "youth-family": [
        "Help for children, teens, parents and caregivers.",
        "Counseling for young people with school stress, mood or behavior concerns.",
        "Family sessions help everyone talk, listen and solve problems together.",
    ],
    "veterans": [
        "Support for veterans, service members and military families.",
        "Veterans help veterans with VA care, benefits, work and family stress.",
        "Counseling for post-traumatic stress, sleep and the move back to civilian life.",
    ],
    "housing": [
        "A safe place to sleep and help finding a home.",
        "Case managers help with apartment searches, rent and eviction notices.",
        "Shelter beds, showers, laundry and meals for people without stable housing.",
    ],
    "food": [
        "Free groceries, fresh produce and hot meals.",
        "Pick up a week of groceries, with halal and vegetarian choices.",
        "A free meal served with no sign-up and no questions.",
    ],
    "legal": [
        "Free legal advice and representation for people with low incomes.",
        "Lawyers help with eviction, benefits denials, immigration and records.",
        "Volunteer attorneys explain your rights and help with court forms.",
    ],
    "benefits": [
        "Navigators help you apply for Medicaid, SNAP and disability benefits.",
        "Get help with health insurance, food benefits and income supports.",
        "Staff fill out benefit forms with you and follow up with the state.",
    ],
    "health-care": [
        "Primary care, checkups and testing, with behavioral health on the same team.",
        "Medical care for adults and families, with or without insurance.",
        "Prenatal, postpartum and everyday health care.",
    ],
    "harm-reduction": [
        "Free naloxone, test strips and safer use supplies, without judgment.",
        "Learn to reverse an overdose and take naloxone home.",
        "Sterile supplies, wound care and testing from an outreach team.",
    ],
    "community-support": [
        "Services made for the communities they serve, in their languages.",
        "Affirming support and groups led by people who understand.",
        "Help for survivors, older adults, Deaf people and new immigrants.",
    ],
}
ACCESS_SENTENCES = [
    "Walk-ins are welcome during open hours.",
    "Call to make an appointment.",
    "Visits are in person or by video.",
    "Staff speak Spanish and other languages.",
    "No insurance is needed.",
    "We take Medicaid and most private insurance.",
    "Fees are on a sliding scale based on income.",
    "Evening and weekend times are available.",
    "Near a Metro station and bus lines.",
    "Interpreters are free, including ASL.",
]
LANGUAGES = [
    ("es", "Spanish", 30),
    ("am", "Amharic", 8),
    ("ar", "Arabic", 8),
    ("vi", "Vietnamese", 6),
    ("ko", "Korean", 5),
    ("fr", "French", 5),
    ("ti", "Tigrinya", 3),
    ("prs", "Dari", 3),
    ("ps", "Pashto", 2),
    ("ase", "American Sign Language", 3),
    ("zh", "Chinese (Mandarin)", 3),
]
SERVICE_AREAS = [
    "City of Alexandria",
    "Arlington County",
    "Fairfax County",
    "Northern Virginia",
    "Prince William County",
    "Virginia",
]
STATUSES = [("active", 92), ("temporarily closed", 4), ("inactive", 3), ("defunct", 1)]
WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
UNIT_KEYS = ["beds", "appointment slots", "group seats"]


class _Term(NamedTuple):
    code: str
    id: str
    name: str


@dataclass
class _Vocabulary:
    """Terms drawn from the seeded taxonomies."""

    children_by_top: dict[str, list[_Term]]  # top-level category code -> its child terms
    details_by_group: dict[str, list[_Term]]  # payment / delivery / population -> terms
    unit_ids: dict[str, str]


def generate_catalog(
    session: Session, services: int, seed: int = 1, batch_size: int = DEFAULT_BATCH_SIZE
) -> dict[str, int]:
    """Add `services` synthetic services (with organizations, locations …); returns row counts."""
    if services < 0 or batch_size < 1:
        raise ValueError("services must be 0 or more and batch_size at least 1")
    catalog = read_sample_catalog()
    ensure_vocabulary(session, catalog)
    words = _load_vocabulary(session, ensure_units(session, catalog))
    rng = random.Random(f"{seed}:{count_services(session)}")
    counts: Counter = Counter()
    remaining = services
    while remaining:
        size = min(batch_size, remaining)
        batch = RowBatch()
        _Generator(rng, words, batch).services(size)
        counts.update(batch.insert_into(session))
        remaining -= size
    return dict(counts)


def _load_vocabulary(session: Session, unit_ids: dict[str, str]) -> _Vocabulary:
    rows = session.execute(
        select(
            TaxonomyTerm.id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            TaxonomyTerm.parent_id,
            TaxonomyTerm.taxonomy_id,
        )
    ).all()
    codes = {row.id: row.code for row in rows}
    children: dict[str, list[_Term]] = {}
    details: dict[str, list[_Term]] = {}
    for row in rows:
        if row.parent_id is None or not row.code:
            continue
        if row.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID:
            children.setdefault(codes[row.parent_id], []).append(_Term(row.code, row.id, row.name))
        elif row.taxonomy_id == vocabulary.SERVICE_DETAILS_TAXONOMY_ID:
            details.setdefault(codes[row.parent_id], []).append(_Term(row.code, row.id, row.name))
    # Sorted so the same seed picks the same terms whatever order the database returns.
    for mapping in (children, details):
        for key in mapping:
            mapping[key].sort()
    return _Vocabulary(dict(sorted(children.items())), details, unit_ids)


class _Generator:
    """Builds rows for one batch; every choice comes from the shared random stream."""

    def __init__(self, rng: random.Random, words: _Vocabulary, batch: RowBatch) -> None:
        self.rng = rng
        self.words = words
        self.batch = batch
        self.tops = list(words.children_by_top)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def services(self, count: int) -> None:
        while count:
            size = min(count, self.rng.randint(1, 9))  # about 5 services per organization
            org_id, locations = self.organization()
            focus = self.rng.sample(self.tops, k=2)  # an organization mostly does one or two things
            for _ in range(size):
                top = (
                    self.rng.choice(focus)
                    if self.rng.random() < 0.85
                    else self.rng.choice(self.tops)
                )
                self.service(org_id, locations, top)
            count -= size

    # ---- organizations and locations ----
    def organization(self) -> tuple[str, list[str]]:
        rng = self.rng
        name = f"{rng.choice(PLACES)} {rng.choice(ORG_NOUNS)}"
        slug = name.lower().replace(" ", "-").replace("+", "")
        org_id = self.batch.add(
            Organization,
            id=self.new_id(),
            name=name,
            alternate_name=None,
            description=f"{self.topic_sentence(rng.choice(self.tops))} "
            f"Serving Northern Virginia since {rng.randint(1970, 2024)}.",
            email=f"info@{slug}.example.org",
            website=f"https://{slug}.example.org",
            year_incorporated=rng.randint(1970, 2024),
            legal_status=SYNTHETIC_LEGAL_STATUS,
        )
        locations = [self.location(org_id, name) for _ in range(rng.choice((1, 1, 1, 2)))]
        return org_id, locations

    def location(self, org_id: str, org_name: str) -> str:
        rng = self.rng
        zip_code, city, region, lat, lon = rng.choice(ZIP_AREAS)
        location_id = self.batch.add(
            Location,
            id=self.new_id(),
            organization_id=org_id,
            location_type="physical",
            name=f"{org_name} – {city}",
            description=None,
            url=None,
            transportation=rng.choice(
                [None, "On a bus line.", "Near a Metro station.", "Free parking."]
            ),
            latitude=round(lat + rng.uniform(-0.02, 0.02), 5),
            longitude=round(lon + rng.uniform(-0.02, 0.02), 5),
        )
        self.batch.add(
            Address,
            id=self.new_id(),
            location_id=location_id,
            address_1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
            address_2=rng.choice([None, None, f"Suite {rng.randint(100, 900)}"]),
            city=city,
            region=region,
            state_province="VA",
            postal_code=zip_code,
            country="US",
            address_type="physical",
        )
        return location_id

    # ---- services ----
    def service(self, org_id: str, locations: list[str], top: str) -> None:
        rng = self.rng
        categories = rng.sample(
            self.words.children_by_top[top],
            k=min(rng.choice((1, 1, 2, 3)), len(self.words.children_by_top[top])),
        )
        status = _weighted(rng, STATUSES)
        minimum_age, maximum_age, populations = self.ages_and_populations()
        service_id = self.batch.add(
            Service,
            id=self.new_id(),
            organization_id=org_id,
            name=self.service_name(categories[0]),
            alternate_name=None,
            description=self.description(top),
            url=None,
            email=None,
            status=status,
            alert="Closed for now; call for updates." if status == "temporarily closed" else None,
            eligibility_description=rng.choice(
                [
                    None,
                    "Open to anyone who needs it.",
                    "Adults who live or work in Northern Virginia.",
                    "Call to ask if you qualify.",
                ]
            ),
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            application_process=rng.choice(
                [
                    "Call to get started.",
                    "Walk in during open hours.",
                    "Ask your doctor or case manager for a referral.",
                ]
            ),
            fees_description=None,
            interpretation_services=None,
            accreditations=None,
            assured_date=REFERENCE_DATE - dt.timedelta(days=rng.randint(1, 430)),
            assurer_email=None,
            last_modified=dt.datetime.combine(REFERENCE_DATE, dt.time(12), dt.UTC),
            accepting_new_clients=rng.choice((True, True, False, None)),
            waitlist_length=rng.choice((None, None, 0, rng.randint(1, 40))),
        )
        self.attributes(service_id, categories, vocabulary.CATEGORY_LINK)
        self.attributes(service_id, self.details(populations), vocabulary.DETAIL_LINK)
        self.phone(service_id=service_id)
        self.languages(service_id)
        self.cost_option(service_id)
        self.batch.add(
            ServiceArea,
            id=self.new_id(),
            service_id=service_id,
            name=rng.choice(SERVICE_AREAS),
            description=None,
        )
        if rng.random() < 0.2:
            self.capacity(service_id)
        self.places(service_id, locations)

    def service_name(self, term: _Term) -> str:
        rng = self.rng
        suffix = "" if " for " in term.name else rng.choice(NAME_SUFFIXES)
        parts = [rng.choice(NAME_PREFIXES), term.name, suffix]
        return " ".join(p for p in parts if p)

    def description(self, top: str) -> str:
        return f"{self.topic_sentence(top)} {self.rng.choice(ACCESS_SENTENCES)}"

    def topic_sentence(self, top: str) -> str:
        # A category added later by an administrator has no sentences of its own.
        return self.rng.choice(TOPIC_SENTENCES.get(top, TOPIC_SENTENCES["community-support"]))

    def ages_and_populations(self) -> tuple[int | None, int | None, list[str]]:
        return self.rng.choice(
            [
                (None, None, ["population-adults"]),
                (18, None, ["population-adults"]),
                (0, 17, ["population-youth", "population-families"]),
                (12, 21, ["population-youth"]),
                (18, 25, ["population-young-adults"]),
                (60, None, ["population-older-adults"]),
                (None, None, ["population-veterans"]),
                (None, None, ["population-unhoused"]),
                (None, None, ["population-immigrants", "population-families"]),
            ]
        )

    def details(self, populations: list[str]) -> list[_Term]:
        rng = self.rng
        by_group = self.words.details_by_group
        chosen = rng.sample(by_group["payment"], k=rng.randint(1, 3))
        chosen += rng.sample(by_group["delivery"], k=rng.randint(1, 2))
        chosen += [term for term in by_group["population"] if term.code in populations]
        return chosen

    def attributes(self, service_id: str, terms: list[_Term], link_type: str) -> None:
        for term in terms:
            self.batch.add(
                Attribute,
                id=attribute_id(service_id, term.code),
                link_id=service_id,
                taxonomy_term_id=term.id,
                link_type=link_type,
                link_entity="service",
                value=None,
                label=None,
            )

    def phone(self, **owner: str | None) -> None:
        owner = {"service_id": None, "service_at_location_id": None, **owner}
        rng = self.rng
        self.batch.add(
            Phone,
            id=self.new_id(),
            location_id=None,
            organization_id=None,
            contact_id=None,
            **owner,
            number=f"{rng.choice(('703', '571'))}-555-01{rng.randint(0, 99):02d}",
            extension=rng.choice((None, None, None, rng.randint(1, 400))),
            type=rng.choice(("voice", "voice", "voice", "text")),
            description=None,
        )

    def languages(self, service_id: str) -> None:
        rng = self.rng
        chosen = [("en", "English")] if rng.random() < 0.92 else []
        for code, name, weight in LANGUAGES:
            if rng.random() < weight / 100:
                chosen.append((code, name))
        for code, name in chosen or [("es", "Spanish")]:
            self.batch.add(
                Language,
                id=self.new_id(),
                service_id=service_id,
                location_id=None,
                phone_id=None,
                name=name,
                code=code,
                note=None,
            )

    def cost_option(self, service_id: str) -> None:
        rng = self.rng
        option, amount, description = rng.choice(
            [
                ("Free", 0, "No cost to you"),
                ("Sliding scale", rng.randint(5, 40), "Lowest fee per visit, based on income"),
                ("Self-pay", rng.randint(50, 250), "Per visit without insurance"),
            ]
        )
        self.batch.add(
            CostOption,
            id=self.new_id(),
            service_id=service_id,
            valid_from=None,
            valid_to=None,
            option=option,
            currency="USD",
            amount=amount,
            amount_description=description,
        )

    def capacity(self, service_id: str) -> None:
        rng = self.rng
        unit = rng.choice(UNIT_KEYS)
        maximum = rng.randint(4, 60)
        self.batch.add(
            ServiceCapacity,
            id=self.new_id(),
            service_id=service_id,
            unit_id=self.words.unit_ids[unit],
            available=rng.randint(0, maximum),
            maximum=maximum,
            description=None,
            updated=dt.datetime.combine(REFERENCE_DATE, dt.time(8), dt.UTC)
            - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 14)),
        )

    def places(self, service_id: str, locations: list[str]) -> None:
        """Most services sit at one or two locations; a few are phone or online only."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            self.schedules(service_id=service_id)
            return
        sal_ids = []
        for location_id in locations[: 2 if roll > 0.85 else 1]:
            sal_ids.append(
                self.batch.add(
                    ServiceAtLocation,
                    id=self.new_id(),
                    service_id=service_id,
                    location_id=location_id,
                    description=None,
                )
            )
            if rng.random() < 0.15:
                self.phone(service_at_location_id=sal_ids[-1])
        # Some services keep their hours per location, as HSDS allows.
        if rng.random() < 0.1:
            for sal_id in sal_ids:
                self.schedules(service_at_location_id=sal_id)
        else:
            self.schedules(service_id=service_id)

    def schedules(
        self, service_id: str | None = None, service_at_location_id: str | None = None
    ) -> None:
        pattern = _weighted(self.rng, SCHEDULE_PATTERNS)
        for byday, freq, opens, closes, description in pattern:
            self.batch.add(
                Schedule,
                id=self.new_id(),
                service_id=service_id,
                location_id=None,
                service_at_location_id=service_at_location_id,
                freq=freq,
                byday=byday,
                opens_at=opens,
                closes_at=closes,
                description=description,
            )


def _t(hhmm: str) -> dt.time:
    return dt.time.fromisoformat(hhmm)


# (rows, weight): each row is (byday, freq, opens_at, closes_at, description)
SCHEDULE_PATTERNS = [
    ([(EVERY_DAY, "WEEKLY", _t("00:00"), _t("00:00"), "Open 24 hours, every day")], 6),
    ([(WEEKDAYS, "WEEKLY", _t("09:00"), _t("17:00"), None)], 34),
    (
        [
            (WEEKDAYS, "WEEKLY", _t("08:00"), _t("12:00"), None),
            (WEEKDAYS, "WEEKLY", _t("13:00"), _t("17:00"), None),
        ],
        8,
    ),
    ([("MO,TU,TH", "WEEKLY", _t("18:00"), _t("21:00"), "Evening groups")], 9),
    ([(EVERY_DAY, "WEEKLY", _t("20:00"), _t("02:00"), "Late night")], 3),
    ([("SA", "WEEKLY", _t("09:00"), _t("13:00"), "Saturdays only")], 5),
    ([(None, None, None, None, "By appointment")], 15),
    ([("2TU", "MONTHLY", _t("18:30"), _t("20:00"), "2nd Tuesday of each month")], 4),
    (
        [
            (WEEKDAYS, "WEEKLY", _t("08:30"), _t("18:00"), None),
            ("SA", "WEEKLY", _t("09:00"), _t("13:00"), None),
        ],
        16,
    ),
]


def _weighted(rng: random.Random, choices: list[tuple]):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]
