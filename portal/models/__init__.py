"""All models, imported here so Alembic and the app see every table."""

from portal.models.audit import AuditEvent  # noqa: F401
from portal.models.catalog import (  # noqa: F401
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Metadata,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog_version import CatalogVersion  # noqa: F401
from portal.models.changes import (  # noqa: F401
    ChangeRequest,
    ChangeStatus,
    ListingReminder,
    ProblemKind,
    ProblemReport,
    ProblemStatus,
    TargetType,
)
from portal.models.evidence import (  # noqa: F401
    AgeBand,
    Call,
    DemographicsBasis,
    Ethnicity,
    Gender,
    Injuries,
    PoliceRole,
    PopulationShare,
    Race,
    SearchMiss,
    TeamStatus,
)
from portal.models.mail import EmailMessage  # noqa: F401
from portal.models.people import (  # noqa: F401
    Invitation,
    RecoveryCode,
    Role,
    SignInGuard,
    User,
    UserOrganization,
    UserSession,
)
from portal.models.referrals import (  # noqa: F401
    Client,
    Consent,
    ConsentMethod,
    ConsentTemplate,
    ContactPreference,
    Disposition,
    Encounter,
    EncounterSource,
    Notification,
    Referral,
    ReferralEvent,
    ReferralOutcome,
    ReferralStatus,
    ServiceList,
    ServiceListItem,
    Urgency,
)
from portal.models.report_tallies import (  # noqa: F401
    CALL_TALLY,
    ENCOUNTER_TALLY,
    REFERRAL_TALLY,
    TRIAGE_LEVELS,
)
from portal.models.search import SearchOutbox  # noqa: F401
