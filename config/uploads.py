"""Files clients upload: the limits every upload shares, checked before anything is stored,
and the storing itself, undone when the transaction that records the file does not commit.

The limits are the helpdesk's settings (`HELPDESK_ATTACHMENT_MAX_BYTES`, `…_TYPES`): it took
files first, and `API_MAX_UPLOAD_BYTES` is sized from them; QC evidence shares them.
"""

import hashlib
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from config.api import problem_types as types
from config.api.problems import ApplicationError

logger = logging.getLogger(__name__)

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


@dataclass
class _StoredFile:
    storage: Storage
    name: str
    committed: bool = False

    def mark_committed(self) -> None:
        self.committed = True


@dataclass
class _StoredFiles:
    files: list[_StoredFile] = field(default_factory=list)

    def remove_uncommitted(self) -> None:
        for stored in self.files:
            if stored.committed:
                continue
            try:
                stored.storage.delete(stored.name)
            except OSError:  # never hide the error that rolled the transaction back
                logger.exception("Could not remove %s after a rollback", stored.name)


_stored_files: ContextVar[_StoredFiles | None] = ContextVar("stored_files", default=None)


@contextmanager
def files_kept_only_if_committed():
    """Remove the files `store_upload` writes inside this block unless their transaction commits.

    Wrap the transaction (put it above `@use_case`, or around `atomic()`): Django runs
    `transaction.on_commit` callbacks but has no rollback hook, so each stored file registers
    one that marks it committed; it is dropped with its transaction or savepoint when that rolls
    back. When the block ends outside any transaction, every file left unmarked was rolled back
    (a refusal, a database error, a failed COMMIT, `set_rollback`) and is removed. When it ends
    inside a transaction it does not own, only an error out of it is known to have undone the
    files; a later rollback of that outer transaction leaves them, as before. A nested block
    hands its files to the outermost one, which decides. Callbacks run in order and one that
    raises skips the rest, so one registered before a file is stored must not raise (the
    outbox's nudges do not).
    """
    if _stored_files.get() is not None:
        yield
        return
    stored = _StoredFiles()
    token = _stored_files.set(stored)
    failed = True
    try:
        yield
        failed = False
    finally:
        _stored_files.reset(token)
        if failed or transaction.get_autocommit():
            stored.remove_uncommitted()


def store_upload(file: FieldFile, upload: UploadedFile) -> None:
    """Write an upload to the field's storage, to be removed if its transaction rolls back."""
    stored = _stored_files.get()
    if stored is None:
        raise RuntimeError("store_upload() runs only inside files_kept_only_if_committed().")
    file.save(upload.name, upload, save=False)
    record = _StoredFile(file.storage, file.name)
    stored.files.append(record)
    transaction.on_commit(record.mark_committed)
