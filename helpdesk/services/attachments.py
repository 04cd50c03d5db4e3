import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

import outbox
from config.api import problem_types as types
from config.api.problems import ApplicationError
from config.principal import Principal
from config.transactions import use_case
from helpdesk import events
from helpdesk.models import Attachment, Ticket, TicketEvent

ATTACHMENT_TOO_LARGE = types.register(
    types.ProblemType(
        "attachment-too-large",
        413,
        "The file is too large",
        "Attachments have a size limit, named in `max_bytes`.",
        "Send a smaller file, or compress it into a zip archive.",
    )
)
ATTACHMENT_TYPE_REFUSED = types.register(
    types.ProblemType(
        "attachment-type-refused",
        415,
        "This type of file is not accepted",
        "Only some content types may be attached; `allowed_types` lists them.",
        "Send the file with one of the allowed content types, or zip it.",
    )
)


class AttachmentTooLarge(ApplicationError):
    problem_type = ATTACHMENT_TOO_LARGE


class AttachmentTypeRefused(ApplicationError):
    problem_type = ATTACHMENT_TYPE_REFUSED


def check_upload(upload: UploadedFile) -> None:
    """Refuse files over the size limit or of a type not on the allow-list."""
    if upload.size > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
        raise AttachmentTooLarge(
            f"{upload.name} is {upload.size} bytes; the limit is "
            f"{settings.HELPDESK_ATTACHMENT_MAX_BYTES}.",
            max_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES,
        )
    if upload.content_type not in settings.HELPDESK_ATTACHMENT_TYPES:
        raise AttachmentTypeRefused(
            f"{upload.content_type} files cannot be attached.",
            allowed_types=settings.HELPDESK_ATTACHMENT_TYPES,
        )


@use_case
def add_attachment(*, ticket_id: int, actor: Principal, upload: UploadedFile) -> Attachment:
    """Store a file on the ticket (privately) and record it in the ticket's history."""
    check_upload(upload)
    ticket = Ticket.objects.select_for_update().select_related("requester").get(pk=ticket_id)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    attachment = Attachment(
        ticket=ticket,
        name=upload.name[:255],
        content_type=upload.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by_id=actor.user_id,
        uploaded_by_label=str(actor),
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    ticket.version += 1
    ticket.save(update_fields=["version", "updated_at"])
    TicketEvent.record(
        ticket,
        action="attach",
        actor=actor,
        changed_fields=["attachments"],
        payload={"attachment_id": attachment.pk, "name": attachment.name},
    )
    outbox.emit(
        **events.ticket_event(
            events.TICKET_UPDATED, ticket, actor=str(actor), changed_fields=["attachments"]
        )
    )
    return attachment
