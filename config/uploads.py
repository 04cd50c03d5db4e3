"""Files clients upload: the limits every upload shares, checked before anything is stored.

The limits are the helpdesk's settings (`HELPDESK_ATTACHMENT_MAX_BYTES`, `…_TYPES`): it took
files first, and `API_MAX_UPLOAD_BYTES` is sized from them; QC evidence shares them.
"""

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from config.api import problem_types as types
from config.api.problems import ApplicationError

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


def sha256_of(upload: UploadedFile) -> str:
    """The hex SHA-256 of an upload, read in chunks (a large file is never whole in memory)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
