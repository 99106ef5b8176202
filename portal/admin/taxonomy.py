"""Admin: the taxonomy — add, rename, move and merge terms (rules: portal/catalog/terms.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from portal import audit
from portal.admin import INVALID, admin_only, bp
from portal.admin.listing_forms import MergeForm, TermForm
from portal.catalog import terms
from portal.extensions import db
from portal.models import TaxonomyTerm
from portal.translated import gettext as _

TOP = ""


def _parent_choices(exclude: TaxonomyTerm | None = None) -> list[SelectChoice]:
    return [SelectChoice(TOP, _("(top level)"))] + [
        SelectChoice(t.id, "— " * terms.depth(t) + t.name)
        for t in terms.all_terms()
        if exclude is None or t.id != exclude.id
    ]


def _term_or_404(term_id) -> TaxonomyTerm:
    return db.session.get(TaxonomyTerm, str(term_id)) or abort(404)


def _parent(form: TermForm) -> TaxonomyTerm | None:
    return db.session.get(TaxonomyTerm, form.parent.data) if form.parent.data else None


@bp.route("/taxonomy", methods=["GET", "POST"])
@admin_only
def taxonomy():
    form = TermForm()
    form.parent.choices = _parent_choices()
    status = 200
    if request.method == "POST":
        if form.validate():
            term = terms.add(form.name.data.strip(), _parent(form))
            db.session.flush()
            audit.record("taxonomy.changed", record=term, detail="added")
            db.session.commit()
            flash(_("“%(name)s” is added.", name=term.name), "success")
            return redirect(url_for("admin.taxonomy"))
        status = INVALID
    return render_template(
        "admin/taxonomy.html",
        form=form,
        terms=terms.all_terms(),
        counts=terms.service_counts(),
        depth=terms.depth,
    ), status


def _term_page(term: TaxonomyTerm, form=None, merge_form=None, status: int = 200):
    if form is None:
        form = TermForm(data={"name": term.name, "parent": term.parent_id or TOP})
        form.parent.choices = _parent_choices(term)
    if merge_form is None:
        merge_form = MergeForm()
        merge_form.into.choices = _parent_choices(term)[1:]
    return render_template(
        "admin/term.html",
        term=term,
        form=form,
        merge_form=merge_form,
        count=terms.service_counts().get(term.id, 0),
    ), status


@bp.route("/taxonomy/<uuid:term_id>", methods=["GET", "POST"])
@admin_only
def term(term_id):
    term = _term_or_404(term_id)
    if request.method == "GET":
        return _term_page(term)
    form = TermForm()
    form.parent.choices = _parent_choices(term)
    if not form.validate():
        return _term_page(term, form, status=INVALID)
    try:
        terms.rename_and_move(term, form.name.data.strip(), _parent(form))
    except terms.TermError as error:
        form.parent.errors = [str(error)]
        return _term_page(term, form, status=INVALID)
    audit.record("taxonomy.changed", record=term, detail="renamed or moved")
    db.session.commit()
    flash(_("“%(name)s” is saved.", name=term.name), "success")
    return redirect(url_for("admin.taxonomy"))


@bp.post("/taxonomy/<uuid:term_id>/merge")
@admin_only
def merge_term(term_id):
    source = _term_or_404(term_id)
    form = MergeForm()
    form.into.choices = _parent_choices(source)[1:]
    if not form.validate():
        return _term_page(source, merge_form=form, status=INVALID)
    target = _term_or_404(form.into.data)
    try:
        moved = terms.merge(source, target)
    except terms.TermError as error:
        form.into.errors = [str(error)]
        return _term_page(source, merge_form=form, status=INVALID)
    audit.record("taxonomy.changed", record=target, detail=f"merged {source.id}")
    db.session.commit()
    flash(
        _("Merged. %(count)d service(s) moved to “%(name)s”.", count=moved, name=target.name),
        "success",
    )
    return redirect(url_for("admin.taxonomy"))
