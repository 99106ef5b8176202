"""Relevance: real-world queries over the sample catalog and the services each must rank top 3.

Each case is what a resident or clinician actually types (plain words, slang, brand names,
misspellings, whole sentences) and the services that are genuinely the right answer in
portal/catalog/sample_catalog.json:

- `must`: every one of these services appears in the top 3;
- `among`: every one of the top 3 results is one of these (or of `must`), for queries where
  several services are equally right and the point is that nothing wrong ranks above them.

Temporarily closed services sort last, so they are never expected in a top 3.
One test runs every case against a single index of the sample catalog and reports all failing
queries at once, with the top 5 they actually returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.catalog.seed import load_sample_catalog, read_sample_catalog
from portal.models import Service
from portal.search import SearchParams, rebuild_index, search_services

TOP = 3

_CATALOG = read_sample_catalog()
_SERVICES = [s for org in _CATALOG["organizations"] for s in org["services"]]


def in_categories(*codes: str) -> frozenset[str]:
    """Names of the public services filed under any of these category codes."""
    return frozenset(
        s["name"]
        for s in _SERVICES
        if s["status"] == "active" and set(s.get("categories", ())) & set(codes)
    )


# Groups of equally right answers, by name as written in sample_catalog.json.
DETOX_OPEN = ("Withdrawal Management (Detox) Beds", "Outpatient Withdrawal Management")
BUPRENORPHINE = in_categories("buprenorphine") | {"Prenatal Care and Recovery Support"}
METHADONE = in_categories("methadone")
NALTREXONE = in_categories("naltrexone")
MOUD = BUPRENORPHINE | METHADONE | NALTREXONE
CRISIS_LINES = in_categories("crisis-lines") - in_categories("domestic-violence")
EMERGENCY = in_categories("emergency-psychiatric", "mobile-crisis")
CRISIS_NOW = CRISIS_LINES | EMERGENCY | in_categories("crisis-stabilization")
YOUTH_CRISIS_NOW = (in_categories("youth-crisis") | CRISIS_LINES | EMERGENCY) - {
    "Veterans Crisis Line (dial 988, then press 1)",
    "23-Hour Crisis Receiving Center",
}
COUNSELING = in_categories(
    "counseling",
    "youth-counseling",
    "veteran-counseling",
    "family-therapy",
    "outpatient-substance-use",
)
PSYCHIATRY = in_categories("psychiatry")
SHELTERS = in_categories("emergency-shelter", "hypothermia-shelter")
HOMELESS_HELP = SHELTERS | in_categories("day-centers", "housing-search")
FOOD = in_categories("food-pantries", "free-meals")
SNAP = in_categories("medicaid-snap")
NALOXONE = in_categories("naloxone")
OVERDOSE = NALOXONE | {
    "Support Group After a Suicide or Overdose Loss",
    "Syringe Services Van",
    "Fentanyl Test Strips and Drug Checking",
}
SUBSTANCE_USE_TREATMENT = in_categories(
    "detox",
    "residential-treatment",
    "intensive-outpatient",
    "outpatient-substance-use",
    "teen-substance-use",
    "recovery-meetings",
)
ALCOHOL_TREATMENT = SUBSTANCE_USE_TREATMENT - in_categories(
    "teen-substance-use", "pregnancy-care"
) | {
    "Extended-Release Naltrexone (Vivitrol) Clinic",
    "Medication for Opioid and Alcohol Use in Primary Care",
}
OPIOID_HELP = (
    MOUD
    | NALOXONE
    | in_categories("detox", "drug-checking")
    | {
        "Outpatient Substance Use Counseling",
        "Syringe Services Van",
    }
)
ANXIETY = frozenset(
    {
        "Anxiety and Depression Skills Group",
        "Adult Outpatient Counseling",
        "Sliding-Scale Counseling for Adults",
        "Outpatient Therapy for Adults and Couples",
    }
)
LEGAL = in_categories("legal-housing", "legal-benefits", "legal-immigration", "record-clearing")
RECOVERY_HOUSING = in_categories("recovery-housing")
INTENSIVE_OUTPATIENT = in_categories("intensive-outpatient") | {
    "Eating Disorder Intensive Outpatient"
}


@dataclass(frozen=True)
class Case:
    query: str
    must: tuple[str, ...] = ()
    among: frozenset[str] | None = None


C = Case
CASES: list[Case] = [
    # Withdrawal management, by its everyday name, misspelled, and with filters in plain words.
    C("detox", DETOX_OPEN),
    C("withdrawl", DETOX_OPEN),
    C("alcohol detox", DETOX_OPEN),
    C("opioid withdrawal", ("Outpatient Withdrawal Management",)),
    C("detox spanish medicaid", ("Withdrawal Management (Detox) Beds",)),
    C("rehab", ("Residential Substance Use Treatment", "Residential Treatment for Women")),
    # Medication for opioid use: brand names, abbreviations, typos.
    C("suboxone", ("Buprenorphine at Oronoco Bay",), among=BUPRENORPHINE),
    C("subutex", among=BUPRENORPHINE),
    C("buprenorfine", among=BUPRENORPHINE),
    C("telehealth suboxone", ("Telehealth Buprenorphine Follow-Up",), among=BUPRENORPHINE),
    C("methadone clinic", tuple(sorted(METHADONE))),
    C("vivitrol", ("Extended-Release Naltrexone (Vivitrol) Clinic",)),
    C("MAT", among=MOUD),
    C("heroin", among=OPIOID_HELP),
    C(
        "pregnant and using opioids",
        ("Pregnancy and Postpartum Recovery Program",),
        among=in_categories("pregnancy-care")
        | {
            "Methadone Treatment Program",
            "Residential Treatment for Women",
            "Medication for Opioid and Alcohol Use in Primary Care",
        },
    ),
    # Crisis, in the words of a frightened parent or person.
    C("my son is suicidal", ("Youth Mobile Crisis Team",), among=YOUTH_CRISIS_NOW),
    C("kid suicidal tonight", ("Youth Mobile Crisis Team",), among=YOUTH_CRISIS_NOW),
    C("my daughter wants to kill herself", ("Youth Mobile Crisis Team",), among=YOUTH_CRISIS_NOW),
    C("I want to kill myself", ("988 Suicide & Crisis Lifeline",), among=CRISIS_NOW),
    C("suicide hotline", ("988 Suicide & Crisis Lifeline",), among=CRISIS_LINES),
    C("988", ("988 Suicide & Crisis Lifeline",)),
    C("psych ward", ("Adult Inpatient Psychiatric Unit",)),
    C(
        "mental health ER",
        ("Behavioral Health Emergency Department",),
        among=EMERGENCY | {"23-Hour Crisis Receiving Center"},
    ),
    C("crisis bed", ("Adult Crisis Stabilization Unit",)),
    C("someone to talk to", ("Riverbend Peer Warmline",)),
    C("feeling lonely", ("Riverbend Peer Warmline",)),
    # Counseling and psychiatry, including the misspellings residents type.
    C("councelling", among=COUNSELING),
    C("counceling", among=COUNSELING),
    C("councelling near 22314", among=COUNSELING),
    C("shrink", among=PSYCHIATRY | COUNSELING),
    C("psychiatirst", ("Psychiatry and Medication Clinic",), among=PSYCHIATRY),
    C(
        "sliding scale therapy",
        ("Sliding-Scale Counseling for Adults", "Sliding-Scale Individual Counseling"),
    ),
    C("online therapy", ("Online Counseling by Video",)),
    C(
        "terapia en español",
        (
            "Spanish-Language Counseling (Consejería en español)",
            "Bilingual Counseling (Spanish and English)",
        ),
    ),
    C("deaf counseling asl", ("Counseling in ASL",)),
    C("kids therapy", ("Child and Teen Therapy",)),
    C("panic attacks", ("Anxiety and Depression Skills Group",), among=ANXIETY),
    C("elderly depression", ("Counseling for Older Adults",)),
    C("veteran ptsd", ("PTSD Therapy Group",)),
    C("anorexia", among=in_categories("eating-disorders")),
    C("hearing voices", ("Clearwater Early Psychosis Program",)),
    C("schizophrenia", ("Clearwater Early Psychosis Program",)),
    C("PHP", ("Partial Hospitalization Day Program",)),
    C("IOP", among=INTENSIVE_OUTPATIENT),
    C("dementia caregiver", ("Caregiver Support Group",)),
    # Substance use, in plain words.
    C("I need to stop drinking", among=ALCOHOL_TREATMENT),
    C("meth addiction", ("Outpatient Substance Use Counseling",), among=SUBSTANCE_USE_TREATMENT),
    C("teen vaping", ("Teen Substance Use Counseling",)),
    C("AA meetings", ("All-Recovery Meetings",)),
    C("narcotics anonymous", ("All-Recovery Meetings",)),
    C("sober house", tuple(sorted(RECOVERY_HOUSING))),
    C("sober living", tuple(sorted(RECOVERY_HOUSING))),
    # Harm reduction.
    C("narcan", ("Naloxone Training and Free Kits", "Take-Home Naloxone")),
    C("overdose", ("Naloxone Training and Free Kits",), among=OVERDOSE),
    C("friend od'd", among=OVERDOSE),
    C("where can I get clean needles", ("Syringe Services Van",)),
    C("needle exchange", ("Syringe Services Van",)),
    C("fentanyl test strips", ("Fentanyl Test Strips and Drug Checking",)),
    C("hiv testing", ("Syringe Services Van",)),
    # Food, shelter, money and the law.
    C("food stamps", ("Medicaid and SNAP Application Help", "Medicaid and SNAP Enrollment Help")),
    C("ebt", among=SNAP),
    C("food bank", ("Weekly Food Pantry", "Hillwood Pantry at Backlick"), among=FOOD),
    C("free food", among=FOOD),
    C("homeless shelter", ("Year-Round Emergency Shelter",), among=SHELTERS),
    C("shleter", ("Year-Round Emergency Shelter",), among=SHELTERS),
    C("homeless", among=HOMELESS_HELP),
    C("behind on rent", ("Rent and Eviction Prevention Help",)),
    C("lawyer eviction", ("Eviction Defense",)),
    C("immigration lawyer", ("Immigration Legal Consultations",)),
    C("legal aid", among=LEGAL),
    C("expunge my record", ("Record Sealing Clinic",)),
    C("restraining order", ("Protective Order Help",)),
    C("free clinic no insurance", ("Free Clinic for Uninsured Adults",)),
    C("va benefits", ("VA Benefits Claims Help",)),
    # Who it is for.
    C("domestic violence shelter", ("Confidential Emergency Shelter for Survivors",)),
    C("abusive boyfriend", among=in_categories("domestic-violence")),
    C("gay support group", ("LGBTQ+ Adult Peer Support Group",)),
    C("trans youth", ("LGBTQ+ Youth Drop-In",)),
]


def test_the_relevance_set_names_real_public_services():
    """The cases themselves: enough of them, distinct, and naming active sample services."""
    active = {s["name"] for s in _SERVICES if s["status"] == "active"}
    assert len(CASES) >= 45
    queries = [case.query.lower() for case in CASES]
    assert len(queries) == len(set(queries)), "a query is listed twice"
    for case in CASES:
        assert case.must or case.among, case.query
        assert len(case.must) <= TOP, case.query
        unknown = (set(case.must) | set(case.among or ())) - active
        assert not unknown, (case.query, unknown)
        if case.among is not None:
            assert len(case.among) >= TOP or set(case.must) <= case.among, case.query


def test_real_world_queries_rank_the_right_services_in_the_top_3(db):
    load_sample_catalog(db.session)
    db.session.commit()
    rebuild_index()
    services = db.session.scalars(select(Service)).all()
    id_of = {service.name: service.id for service in services}
    name_of = {service.id: service.name for service in services}

    failures = []
    for case in CASES:
        found = search_services(SearchParams(q=case.query)).service_ids
        top = [name_of.get(service_id, service_id) for service_id in found[:TOP]]
        problems = [f"missing {name!r}" for name in case.must if id_of[name] not in found[:TOP]]
        if case.among is not None:
            allowed = case.among | set(case.must)
            problems += [f"unexpected {name!r}" for name in top if name not in allowed]
            if not top:
                problems.append("no results")
        if problems:
            actual = [name_of.get(service_id, service_id) for service_id in found[:5]]
            failures.append(f"{case.query!r}: {'; '.join(problems)}\n    top 5: {actual}")

    assert not failures, (
        f"{len(failures)} of {len(CASES)} queries miss their expected top {TOP}:\n"
        + "\n".join(failures)
    )
