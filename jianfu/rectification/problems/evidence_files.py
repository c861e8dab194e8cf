"""Evidence files (整改证明材料) of a problem and its measures: checked by content before anything
is stored, kept with the step they came with. A measure's transition brings its files through
`measures.measure_act`; files added outside a transition come through `attachment_add`.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock
from jianfu.core.errors import DomainError

from ..models import Attachment, Measure, Problem, StepKind
from .services import EDIT, _lock_problem, _step

audit.describe(
    {
        "jianfu.rectification.attachment.added": gettext_lazy("上传整改证明材料"),
    }
)


def check_uploads(uploads) -> list[tuple[str, bytes, str]]:
    """Every file is checked by content before anything is stored or written."""
    from jianfu.core import files

    return [(name, data, files.check(name, data)) for name, data in uploads]


def _attach(by, problem, measure, step, checked, now) -> list[dict]:
    from jianfu.core import files

    out = []
    for name, data, kind in checked:
        stored = files.store(data, kind)
        Attachment.objects.create(
            problem=problem,
            measure=measure,
            step=step,
            name=files.clean_name(name),
            kind=kind,
            size=stored.size,
            sha256=stored.sha256,
            relpath=stored.relpath,
            uploaded_by=by,
            uploaded_at=now,
        )
        out.append({"name": files.clean_name(name), "sha256": stored.sha256, "size": stored.size})
    return out


@transaction.atomic
def attachment_add(
    *, by, problem: Problem, measure: Measure | None, uploads: list[tuple[str, bytes]], note=""
) -> list[dict]:
    """Evidence added outside a transition. Evidence is always possible and never required by
    default (DESIGN); a verifier who wants a file returns the measure saying why."""
    checked = check_uploads(uploads)
    if not checked:
        raise DomainError("required", _("请选择要上传的文件。"), field="file")
    problem = _lock_problem(by, problem, EDIT)
    if measure is not None and measure.problem_id != problem.pk:
        raise DomainError("not_found", _("该整改措施不存在或不在您的范围内。"), status=404)
    now = clock.now()
    step = _step(problem, by, StepKind.EVIDENCE, measure=measure, note=(note or "").strip(), at=now)
    files = _attach(by, problem, measure, step, checked, now)
    audit.record(
        "jianfu.rectification.attachment.added",
        actor=by,
        obj=problem,
        extra={"measure": measure.pk if measure else None, "files": files},
    )
    return files
