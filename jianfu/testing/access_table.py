"""The access table: for every URL name and API operation, the status each role gets for an
object inside the account's units and for one outside them (jianfu/testing/access.py walks it).

ARGS names where each path argument comes from: a model label ("app.Model": an object of that
model in county A's subtree, or outside it, by the model's scope-guard unit field) or a literal.
LITERALS are the defaults for arguments named the same everywhere.

EXPECTED[route][principal] is "IN OUT" (two statuses: an object inside county A, one outside; "-"
where the world holds no such object) or one status for a route without an object in its path.
The rules it follows: outside one's units 404; inside without the permission 403 with the reason;
a role that can never see records of that kind (an administrator on business records, a business
role on accounts and tokens) 404, so ids cannot be probed; anonymous: the login page (302) or 401
from the API. A new URL fails core/tests/test_access_table.py until it is added here.
"""

LITERALS = {"period": "2025-09", "action": "submit", "step": "accepted"}

ARGS: dict[str, dict[str, str]] = {
    # core and administration
    "dashboard_unit": {"pk": "core.Unit"},
    "import_job": {"pk": "core.ImportJob"},
    "import_confirm": {"pk": "core.ImportJob"},
    "import_cancel": {"pk": "core.ImportJob"},
    "unit_detail": {"pk": "core.Unit"},
    "unit_edit": {"pk": "core.Unit"},
    "unit_close": {"pk": "core.Unit"},
    "account_detail": {"pk": "core.User"},
    "account_edit": {"pk": "core.User"},
    "account_active": {"pk": "core.User"},
    "account_reset": {"pk": "core.User"},
    "account_roles": {"pk": "core.User"},
    "account_unlock": {"pk": "core.User"},
    "token_revoke": {"pk": "core.ApiToken"},
    # registry
    "quota_unit": {"pk": "core.Unit"},
    **{
        f"{kind}_{page}": {"pk": f"registry.{model}"}
        for kind, model in (
            ("document", "Document"),
            ("meeting", "Meeting"),
            ("inspection", "Inspection"),
        )
        for page in ("detail", "edit", "delete")
    },
    # signals
    "signal_detail": {"pk": "signals.Signal"},
    "signal_confirm": {"pk": "signals.Signal"},
    "signal_dismiss": {"pk": "signals.Signal"},
    # rectification
    "rect_ledger": {"unit_id": "core.Unit"},
    "problem_detail": {"pk": "rectification.Problem"},
    "problem_edit": {"pk": "rectification.Problem"},
    "measure_create": {"pk": "rectification.Problem"},
    "attachment_add": {"pk": "rectification.Problem"},
    "measure_edit": {"pk": "rectification.Measure"},
    "measure_verifier": {"pk": "rectification.Measure"},
    "measure_delete": {"pk": "rectification.Measure"},
    "measure_act": {"pk": "rectification.Measure", "action": "note"},
    "attachment_download": {"pk": "rectification.Attachment"},
    "negative_list_detail": {"pk": "rectification.NegativeList"},
    "negative_list_import": {"pk": "rectification.NegativeList"},
    "negative_list_publish": {"pk": "rectification.NegativeList"},
    "negative_list_copy": {"pk": "rectification.NegativeList"},
    "negative_item_edit": {
        "pk": "rectification.NegativeList",
        "item_id": "rectification.NegativeListItem",
    },
    "negative_item_delete": {
        "pk": "rectification.NegativeList",
        "item_id": "rectification.NegativeListItem",
    },
    "round_detail": {"pk": "rectification.Round"},
    "round_close": {"pk": "rectification.Round"},
    "exam_answer": {"pk": "rectification.Participation"},
    "ledger_export": {"unit_id": "core.Unit"},
    "ledger_import": {"unit_id": "core.Unit"},
    # supervision
    **{
        name: {"pk": "supervision.Project"}
        for name in (
            "project_detail",
            "project_edit",
            "project_start",
            "project_status",
            "project_money",
            "project_milestone_add",
            "project_deal",
            "project_deal_arrival",
        )
    },
    "project_milestone_done": {
        "pk": "supervision.Project",
        "milestone_id": "supervision.Milestone",
    },
    "reporting_submission_detail": {"pk": "supervision.Submission"},
    "reporting_submission_act": {"pk": "supervision.Submission", "action": "adopt"},
    "reporting_file": {"pk": "supervision.Submission", "file_id": "supervision.SubmissionFile"},
    "reporting_requirement_detail": {"pk": "supervision.ReportingRequirement"},
    "reporting_requirement_close": {"pk": "supervision.ReportingRequirement"},
    "reporting_contact_end": {"pk": "supervision.ReportingContact"},
    "reporting_tier_save": {"pk": "supervision.AdoptionTier"},
    "sup_item_detail": {"pk": "supervision.Item"},
    "sup_item_phone": {"pk": "supervision.Item"},
    "sup_item_act": {"pk": "supervision.Item", "action": "feedback"},
    "sup_file_download": {"pk": "supervision.ItemFile"},
    "sup_unit_todo": {"unit_id": "core.Unit"},
    "review_target_edit": {"pk": "supervision.Target"},
    "review_target_progress": {"pk": "supervision.Target"},
    "review_unit": {"unit_id": "core.Unit"},
    "sup_meeting_detail": {"pk": "supervision.Meeting"},
    "sup_meeting_agenda_docx": {"pk": "supervision.Meeting"},
    "sup_meeting_act": {"pk": "supervision.Meeting", "action": "hold"},
    # gate
    "gate_plan_change_act": {"pk": "gate.PlanChange", "action": "approve"},
    "gate_plan_detail": {"pk": "gate.AnnualPlan"},
    "gate_plan_edit": {"pk": "gate.AnnualPlan"},
    "gate_plan_change_new": {"pk": "gate.AnnualPlan"},
    "gate_plan_import": {"pk": "gate.AnnualPlan"},
    "gate_plan_item_remove": {"pk": "gate.AnnualPlan", "item_id": "gate.PlanItem"},
    "gate_plan_act": {"pk": "gate.AnnualPlan", "action": "submit"},
    "gate_proposal_detail": {"pk": "gate.Proposal"},
    "gate_proposal_edit": {"pk": "gate.Proposal"},
    "gate_proposal_act": {"pk": "gate.Proposal", "action": "submit"},
    "gate_proposal_file": {"pk": "gate.ProposalFile"},
    "gate_review_detail": {"pk": "gate.Proposal"},
    "gate_review_act": {"pk": "gate.Proposal", "action": "approve"},
    "gate_enrolment_remove": {"unit_id": "core.Unit"},
    "gate_copies_compare": {"pk": "registry.Document", "source_pk": "registry.Document"},
    "gate_copies_proposal": {"pk": "gate.Proposal"},
    "burden_form_detail": {"pk": "gate.Form"},
    "burden_request_create": {"form_pk": "gate.Form"},
    "burden_form_decide": {"pk": "gate.Form", "action": "admit"},
    "burden_request_detail": {"pk": "gate.DataRequest"},
    "burden_request_act": {"pk": "gate.DataRequest", "action": "close"},
    "burden_return_fill": {"pk": "gate.Return"},
    "burden_load_unit": {"unit_pk": "core.Unit"},
    # accountability
    "clue_detail": {"pk": "accountability.Clue"},
    "clue_informant": {"pk": "accountability.Clue"},
    "clue_refer": {"pk": "accountability.Clue"},
    "clue_file": {"pk": "accountability.ClueFile"},
    "clue_from_report": {"pk": "monitoring.Report"},
    "clue_escalate": {"pk": "signals.Signal"},
    "acc_clue_handling": {"clue_id": "accountability.Clue"},
    "acc_disposition_propose": {"clue_id": "accountability.Clue"},
    "acc_informant_told": {"clue_id": "accountability.Clue"},
    "acc_case_open": {"clue_id": "accountability.Clue"},
    "acc_disposition_decide": {"disposition_id": "accountability.Disposition", "action": "approve"},
    "acc_letter": {"disposition_id": "accountability.Disposition", "step": "sent"},
    "acc_case_detail": {"case_id": "accountability.Case"},
    "acc_case_act": {"case_id": "accountability.Case", "action": "note"},
    "acc_outcome_done": {"outcome_id": "accountability.Outcome"},
    **{
        name: {"pk": "accountability.Tour"}
        for name in (
            "tour_detail",
            "tour_edit",
            "tour_finding_create",
            "tour_to_problems",
            "tour_import",
        )
    },
    "tour_finding_refer": {"pk": "accountability.Finding"},
    **{
        name: {"pk": "accountability.TypicalCase"}
        for name in ("typical_detail", "typical_edit", "typical_act", "typical_study")
    },
    # monitoring
    "report_fill": {"point": "monitoring.SamplePoint", "period": "period"},
    "report_done": {"point": "monitoring.SamplePoint", "period": "period"},
    "report_history": {"point": "monitoring.SamplePoint", "period": "period"},
    "point_detail": {"pk": "monitoring.SamplePoint"},
    "point_edit": {"pk": "monitoring.SamplePoint"},
    "point_close": {"pk": "monitoring.SamplePoint"},
    "point_report": {"pk": "monitoring.SamplePoint", "period": "period"},
    "felt_county": {"pk": "core.Unit"},
    # notify and bulletins
    "message_open": {"pk": "notify.Message"},
    "delivery_retry": {"pk": "notify.Delivery"},
    **{
        name: {"pk": "bulletins.Bulletin"}
        for name in (
            "bulletin_detail",
            "bulletin_edit",
            "bulletin_line",
            "bulletin_docx",
            "bulletin_pdf",
            "bulletin_act",
        )
    },
    # the API
    "api:GET /api/units/{unit_id}": {"unit_id": "core.Unit"},
    "api:PATCH /api/units/{unit_id}": {"unit_id": "core.Unit"},
    **{
        f"api:{method} /api/registry/{kind}/{{record_id}}": {"record_id": f"registry.{model}"}
        for kind, model in (
            ("documents", "Document"),
            ("meetings", "Meeting"),
            ("inspections", "Inspection"),
        )
        for method in ("GET", "DELETE")
    },
    "api:GET /api/monitoring/points/{point_id}/periods/{period}/form": {
        "point_id": "monitoring.SamplePoint",
        "period": "period",
    },
    "api:GET /api/rectification/problems/{problem_id}": {"problem_id": "rectification.Problem"},
    **{
        f"api:POST /api/rectification/measures/{{measure_id}}/{what}": {
            "measure_id": "rectification.Measure"
        }
        for what in ("start", "progress", "submit")
    },
    **{
        f"api:{method} /api/registry/{kind}/by-external-id/{{external_id}}": {
            "external_id": f"registry.{model}.external_id"
        }
        for kind, model in (
            ("documents", "Document"),
            ("meetings", "Meeting"),
            ("inspections", "Inspection"),
        )
        for method in ("GET", "PUT", "DELETE")
    },
    "api:POST /api/imports/{kind}": {"kind": "documents"},
    "api:GET /api/imports/jobs/{job_id}": {"job_id": "core.ImportJob"},
    "api:POST /api/imports/jobs/{job_id}/confirm": {"job_id": "core.ImportJob"},
    "api:POST /api/imports/jobs/{job_id}/cancel": {"job_id": "core.ImportJob"},
}

# Records shared beyond their owner's units by design are not "outside" an account: the outside
# object of these models is one the account has no other way to reach. "{a}" is county A's path.
SHARED: dict[str, dict[str, str]] = {
    # the catalogue of admitted forms is the whole city's
    "gate.Form": {"status": "admitted"},
    # an item is seen by the units that carry it as well as by its issuer
    "supervision.Item": {"assignments__unit__path__startswith": "{a}"},
    # a requirement is seen by the units it is addressed to
    "supervision.ReportingRequirement": {"targets__path__startswith": "{a}"},
    # a published typical case is addressed to every unit
    "accountability.TypicalCase": {"status": "published"},
}

# Filled in below from a reviewed walk.
EXPECTED: dict[str, dict[str, str]] = {}
