"""Files over HTTP: the multipart file field uploads share, and downloads of private files."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from config.api.text import validate_name

DOWNLOAD_RESPONSES = {
    (200, "*/*"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file, with the type it was uploaded with."
    )
}


def _validate_upload_name(upload) -> None:
    validate_name(upload.name)  # shown in lists and sent back in Content-Disposition


class UploadedFileField(serializers.FileField):
    """A file sent as multipart/form-data; its name is kept, so it must be one clean line."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=255, **kwargs)
        self.validators.append(_validate_upload_name)


# The record of a stored file (no docstring: drf-spectacular would publish it as the description
# of every subclass). A subclass names its model in Meta, with `fields = STORED_FILE_FIELDS` plus
# its own, and says where the file downloads from in `get_download_url`.
class StoredFileOut(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by_label")
    download_url = serializers.SerializerMethodField()


STORED_FILE_FIELDS = [
    "id",
    "name",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "created_at",
    "download_url",
]


def download(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """Send a privately stored file as a download, under the name it was uploaded with."""
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
