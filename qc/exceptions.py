"""The problems of inspections: four eyes, decisions the readings do not support, closed ones."""

from config.api import problem_types as types
from config.api.problems import ApplicationError

FOUR_EYES = types.register(
    types.ProblemType(
        "four-eyes",
        403,
        "The performer of an attempt may not inspect it",
        "Four eyes: whoever submitted an attempt (a person, or an API key) cannot record its "
        "readings or evidence, accept it or reject it. An API key and a person are different "
        "identities; two keys are too.",
        "Ask another QC inspector or admin of your organization to inspect the attempt.",
    )
)
INSPECTOR_ROLE_REQUIRED = types.register(
    types.ProblemType(
        "inspector-role-required",
        403,
        "Only QC inspectors and admins inspect",
        "Recording readings or evidence and accepting or rejecting an attempt need the "
        "`qc_inspector` or `admin` role; your role is named in `detail`.",
        "Use an account or API key with the qc_inspector or admin role.",
    )
)
OVERRIDE_REQUIRED = types.register(
    types.ProblemType(
        "override-required",
        409,
        "The checklist rejects this attempt",
        "The automatic verdict of the inspection is `fail`: `failures` lists each required item "
        "that failed or has no reading. Accepting against it is an override, which needs a "
        "reason.",
        "Record passing readings for the items in `failures`, reject the attempt, or accept "
        "with `override_reason` saying why the work is acceptable anyway.",
    )
)
INSPECTION_CLOSED = types.register(
    types.ProblemType(
        "inspection-closed",
        409,
        "The inspection is decided",
        "Readings and evidence are recorded only while an inspection is open; this one was "
        "accepted, rejected, or withdrawn because its task left review without a decision "
        "(`current_status`).",
        "Read the task: a rejected attempt is reworked and inspected again as a new inspection; "
        "a withdrawn one needs no inspection.",
    )
)
CHECKLIST_UNAVAILABLE = types.register(
    types.ProblemType(
        "checklist-unavailable",
        409,
        "The task's checklist is not published",
        "The template task names a checklist by key and version number, and the organization "
        "has no published (or retired) version of it, so the attempt cannot be inspected.",
        "Ask an admin to publish that checklist version, then submit the task again.",
    )
)


class FourEyes(ApplicationError):
    problem_type = FOUR_EYES


class InspectorRoleRequired(ApplicationError):
    problem_type = INSPECTOR_ROLE_REQUIRED


class OverrideRequired(ApplicationError):
    problem_type = OVERRIDE_REQUIRED


class InspectionClosed(ApplicationError):
    problem_type = INSPECTION_CLOSED


class ChecklistUnavailable(ApplicationError):
    problem_type = CHECKLIST_UNAVAILABLE


class InvalidReadings(ApplicationError):
    """A reading or defect names no item of the checklist, or its value cannot be read."""

    problem_type = types.VALIDATION_ERROR


# --- sign-off ---

SIGNOFF_INCOMPLETE = types.register(
    types.ProblemType(
        "signoff-incomplete",
        409,
        "The deliverable's work is not finished",
        "A deliverable is signed only when every task is done or cancelled and the latest "
        "inspection of every task that requires QC is accepted. `missing` lists what is not: "
        'each open task (`"kind": "task"`, with its status) and each QC task whose latest '
        'inspection is not accepted (`"kind": "inspection"`, with its status, or null when the '
        "task has none yet).",
        "Finish or cancel the tasks and have the inspections accepted, then sign again.",
    )
)
ALREADY_SIGNED = types.register(
    types.ProblemType(
        "already-signed",
        409,
        "This role has already signed the deliverable",
        "A deliverable takes one signature per role; `signed_by` names who signed for this role "
        "and when. A signature is revoked only when work of the deliverable is reopened.",
        "Nothing to do: the role's signature stands. Read the deliverable's sign-offs to see "
        "which roles are still wanted.",
    )
)
SIGNER_ROLE_REQUIRED = types.register(
    types.ProblemType(
        "signer-role-required",
        403,
        "You do not hold the role you sign for",
        "A signature is given for a role, by a member or API key holding that role; an admin "
        "signs only as admin. Your role is named in `detail`.",
        "Ask a member who holds that role to sign, or sign for your own role.",
    )
)


class SignoffIncomplete(ApplicationError):
    problem_type = SIGNOFF_INCOMPLETE


class AlreadySigned(ApplicationError):
    problem_type = ALREADY_SIGNED


class SignerRoleRequired(ApplicationError):
    problem_type = SIGNER_ROLE_REQUIRED


class RoleSignsNothingHere(ApplicationError):
    """The role is not one the deliverable's template version asks to sign it off."""

    problem_type = types.VALIDATION_ERROR
