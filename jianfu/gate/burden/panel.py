"""What the platform holds, as the review page and gate.held read it: the catalogue's returned
fields as held data, and the panel that lists the materials an inspection demands that the
platform already has (it reads a proposal's category and materials only: proposals sit above)."""

from django.utils.translation import gettext as _

from jianfu.gate import held

from . import queries


def held_entries() -> list[held.Held]:
    """Each admitted form's fields, once a return holds them: a later request or an inspection's
    materials asking for one is flagged."""
    out = []
    for form in queries.returned_fields():
        for item in form.items.all():
            f = item.field
            out.append(
                held.Held(
                    f"form.{form.pk}.{f.code}",
                    _("报表目录：%(form)s 的 %(field)s") % {"form": form.name, "field": f.name},
                    _("报表目录：%(form)s（%(u)s）") % {"form": form.name, "u": form.sender.name},
                    (f.name,),
                    "burden_catalogue",
                )
            )
    return out


def build(proposal, principal) -> dict | None:
    if getattr(proposal, "category", "") != "inspection":
        return None
    found = held.matches(proposal.materials_demanded or "")
    return {
        "found": found,
        "forms_demanded": proposal.forms_demanded or 0,
        "warnings": [
            _("要求提供的“%(what)s”平台已掌握（%(where)s），不必再向基层要。")
            % {"what": e.name, "where": e.where}
            for e in found
        ],
    }
