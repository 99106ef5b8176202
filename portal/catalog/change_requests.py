"""Change requests: how a provider's proposal becomes a ChangeRequest holding only the fields
that differ, and how it is reviewed and published.

`submit` records a proposal; `approve` publishes it, `reject` closes it. Admins publish at once;
every organization publishes capacity at once (portal.catalog.capacity), trusted ones status
too, and the rest is sent for review. `update_capacity` is the provider's one-tap update. Every
published field writes an HSDS `metadata` row (previous and replacement value, who, when) and
updates `last_modified`; the search index follows through the outbox.
"""

from __future__ import annotations

from sqlalchemy import inspect, select, update

from portal.catalog.capacity import CAPACITY_FIELDS
from portal.catalog.fields import MODELS, changed_fields, fields_of
from portal.catalog.vocabulary import label
from portal.extensions import db
from portal.models import (
    ChangeRequest,
    ChangeStatus,
    Metadata,
    Organization,
    Service,
    TargetType,
    User,
)
from portal.models.catalog import ServiceStatus, utcnow
from portal.translated import gettext as _
from portal.translated import lazy_gettext as _l


class ReviewError(ValueError):
    """A change request that cannot be decided or published as asked; the message says why."""


# What a trusted organization publishes without review (DESIGN.md: capacity and status);
# every organization publishes capacity without review.
TRUSTED_FIELDS = frozenset({"status", "alert"}) | CAPACITY_FIELDS

DECISION_LABELS = {
    ChangeStatus.pending.value: _l("Waiting for review"),
    ChangeStatus.approved.value: _l("Published"),
    ChangeStatus.rejected.value: _l("Not accepted"),
}


def decision_label(status: str) -> str:
    return str(DECISION_LABELS[status])


def target_of(change: ChangeRequest):
    if change.target_id is None:
        return None
    return db.session.get(MODELS[change.target_type], change.target_id)


def _new_request(
    organization: Organization, target_type: str, record, values: dict, by: User
) -> ChangeRequest:
    known = fields_of(target_type)
    change = ChangeRequest(
        organization=organization,
        target_type=target_type,
        target_id=record.id if record is not None else None,
        proposed_values=values,
        previous_values={k: known[k].read(record) for k in values} if record is not None else {},
        submitted_by_id=by.id,
        status=ChangeStatus.pending.value,
    )
    db.session.add(change)
    return change


def submit(
    organization: Organization, target_type: str, record, proposed: dict, by: User
) -> list[ChangeRequest]:
    """Record a proposal as change requests; returns them (none when nothing changed).

    An admin's change is published at once. Changes to the capacity of an existing service
    are published at once, and for a trusted organization its status too; the rest waits for
    review.
    """
    values = changed_fields(target_type, record, proposed)
    if not values:
        return []
    if by.is_admin:
        change = _new_request(organization, target_type, record, values, by)
        _decide(change, by, ChangeStatus.approved, None)
        publish(change, by)
        return [change]
    requests = []
    if record is not None and target_type == TargetType.service.value:
        at_once = TRUSTED_FIELDS if organization.trusted else CAPACITY_FIELDS
        immediate = {k: v for k, v in values.items() if k in at_once}
        if immediate:
            change = _new_request(organization, target_type, record, immediate, by)
            _decide(
                change,
                None,
                ChangeStatus.approved,
                _("Published at once: capacity and status of a trusted organization.")
                if organization.trusted
                else _("Published at once: capacity."),
            )
            publish(change, by)
            requests.append(change)
        values = {k: v for k, v in values.items() if k not in at_once}
    if values:
        requests.append(_new_request(organization, target_type, record, values, by))
    return requests


def _decide(
    change: ChangeRequest, reviewer: User | None, status: ChangeStatus, comment: str | None
) -> None:
    if change.status != ChangeStatus.pending.value:
        raise ReviewError(_("This change was already decided."))
    values = {
        "status": status.value,
        "reviewer_id": reviewer.id if reviewer is not None else None,
        "decision_comment": comment,
        "decided_at": utcnow(),
    }
    if not inspect(change).persistent:  # an admin's own change, decided as it is made
        for name, value in values.items():
            setattr(change, name, value)
        return
    # Claim the request with one conditional UPDATE: of two concurrent decisions the second
    # waits for the first's row lock, then finds nothing pending (what this session read
    # may already be stale).
    claimed = db.session.execute(
        update(ChangeRequest)
        .where(
            ChangeRequest.id == change.id,
            ChangeRequest.status == ChangeStatus.pending.value,
        )
        .values(**values)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ReviewError(_("This change was already decided."))


def approve(change: ChangeRequest, reviewer: User, comment: str | None = None):
    """Publish a pending change; returns the record it changed or created."""
    _decide(change, reviewer, ChangeStatus.approved, comment)
    return publish(change, reviewer)


def reject(change: ChangeRequest, reviewer: User, comment: str | None) -> None:
    if not comment:
        raise ReviewError(_("Say why the change is rejected, so the provider can fix it."))
    _decide(change, reviewer, ChangeStatus.rejected, comment)


def _create(change: ChangeRequest):
    model = MODELS[change.target_type]
    record = model(organization_id=change.organization_id)
    if isinstance(record, Service):
        record.status = ServiceStatus.active.value
    known = fields_of(change.target_type)
    for name, value in change.proposed_values.items():
        if known[name].is_column:
            known[name].write(record, value)
    db.session.add(record)
    db.session.flush()  # an id for the children and the metadata rows
    change.target_id = record.id
    return record


def publish(change: ChangeRequest, by: User):
    """Write the change's values to its record, one HSDS metadata row per field that really
    changes (the record may have moved on since the change was proposed)."""
    record = target_of(change)
    action = "update"
    if record is None:
        if change.target_id is not None:
            raise ReviewError(_("This listing no longer exists."))
        record, action = _create(change), "create"
    known = fields_of(change.target_type)
    now = utcnow()
    for name, value in change.proposed_values.items():
        field = known[name]
        before = field.read(record)
        if before == value and action == "update":
            continue
        field.write(record, value)
        db.session.add(
            Metadata(
                resource_id=record.id,
                resource_type=change.target_type,
                field_name=name,
                previous_value="" if action == "create" else field.show(before),
                replacement_value=field.show(value),
                updated_by=by.email,
                last_action_date=now,
                last_action_type=action,
            )
        )
    if isinstance(record, Service):
        record.last_modified = now
        if CAPACITY_FIELDS & set(change.proposed_values):
            record.capacity_updated = now
    return record


class CapacityError(ValueError):
    """A capacity update that cannot be saved; the message says why, in plain words."""


def update_capacity(
    service: Service, by: User, *, accepting: bool | str | None = "keep", available: dict
) -> list[ChangeRequest]:
    """The one-tap update from the provider's service list: "accepting new clients" (or
    "keep") and the open count of units the service already lists, published at once. Saving
    the same figures again still counts as checking them (`capacity_updated` moves on)."""
    current = {c.unit_id: c for c in service.capacities}
    if set(available) - set(current):
        raise CapacityError(_("This service does not list that kind of opening."))
    proposed: dict = {}
    if accepting != "keep":
        proposed["accepting_new_clients"] = accepting
    if available:
        rows = []
        for unit_id, row in sorted(current.items()):
            count = available.get(unit_id, row.available)
            if row.maximum is not None and count > row.maximum:
                raise CapacityError(
                    _(
                        "Open %(unit)s cannot be more than %(maximum)d, the number in all.",
                        unit=label(row.unit.name),
                        maximum=row.maximum,
                    )
                )
            rows.append({"unit_id": unit_id, "available": count, "maximum": row.maximum})
        proposed["capacity"] = rows
    changes = submit(service.organization, TargetType.service.value, service, proposed, by)
    service.capacity_updated = utcnow()
    return changes


def history(resource_id: str) -> list[Metadata]:
    return list(
        db.session.scalars(
            select(Metadata)
            .where(Metadata.resource_id == resource_id)
            .order_by(Metadata.last_action_date.desc(), Metadata.field_name)
        )
    )


def pending_changes():
    return (
        select(ChangeRequest)
        .where(ChangeRequest.status == ChangeStatus.pending.value)
        .order_by(ChangeRequest.submitted_at)
    )
