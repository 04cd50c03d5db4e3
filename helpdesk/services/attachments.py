from django.core.files.uploadedfile import UploadedFile

import outbox
from config.principal import Principal
from config.transactions import use_case
from config.uploads import check_upload, files_kept_only_if_committed, sha256_of, store_upload
from helpdesk import events
from helpdesk.models import Attachment, Ticket, TicketEvent


@files_kept_only_if_committed()
@use_case
def add_attachment(*, ticket_id: int, actor: Principal, upload: UploadedFile) -> Attachment:
    """Store a file on the ticket (privately) and record it in the ticket's history."""
    check_upload(upload)
    ticket = Ticket.objects.select_for_update().select_related("requester").get(pk=ticket_id)
    attachment = Attachment(
        ticket=ticket,
        name=upload.name[:255],
        content_type=upload.content_type,
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by_id=actor.user_id,
        uploaded_by_label=str(actor),
    )
    store_upload(attachment.file, upload)
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
