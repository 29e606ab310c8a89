"""Checking uploaded attachments against the tenant's limits (T-1): count, size, type by
extension AND by content, and a safe file name."""
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from . import errors
from .errors import TicketError

# What a file of each accepted extension must start with. Text-like types must be text.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "gz": (b"\x1f\x8b",),
}
TEXT_TYPES = {"txt", "log", "csv", "xml", "json", "sql", "md", "html", "css", "js", "php", "ini"}
CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "zip": "application/zip", "gz": "application/gzip",
    "webp": "image/webp", "tar": "application/x-tar",
}
SNIFF_BYTES = 8192
# Text comes in UTF-8 and in the 8-bit code pages spreadsheets still export (an Italian
# Excel CSV is cp1252), so text is judged by the bytes no text holds: C0 controls other
# than tab, line feed, form feed, carriage return and ESC (colour codes in logs).
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
# Windows forbids these in names; the rest of the name's dangers are control and format
# characters (a right-to-left override turns "txt.exe" around on screen).
FORBIDDEN_IN_NAMES = set('<>:"|?*')


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    size: int
    content_type: str
    sha256: str


def safe_name(name: str) -> str:
    """The last path part, NFC, without control or format characters or leading dots;
    at most 120 characters, the extension kept."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(char for char in name if char not in FORBIDDEN_IN_NAMES
                   and unicodedata.category(char) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".")
    if len(name) > 120:
        stem, ext = os.path.splitext(name)
        name = stem[: 120 - len(ext)] + ext
    return name or "attachment"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _looks_like(ext: str, head: bytes) -> bool:
    if ext in SIGNATURES:
        return head.startswith(SIGNATURES[ext])
    if ext == "tar":
        return len(head) > 262 and head[257:262] == b"ustar"
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in TEXT_TYPES:
        return BINARY_BYTES.search(head) is None
    return False


def check_uploads(uploads: list[UploadedFile], policy) -> list[CheckedFile]:
    """Return the checked files, or raise TicketError naming the first file that fails."""
    if len(uploads) > policy.max_attachments_per_message:
        raise TicketError(errors.ATTACHMENT_TOO_MANY % {
            "limit": policy.max_attachments_per_message})
    allowed = policy.attachment_extensions
    checked = []
    for upload in uploads:
        name = safe_name(upload.name or "")
        ext = _extension(name)
        if ext not in allowed:
            raise TicketError(errors.ATTACHMENT_TYPE % {
                "name": name, "allowed": ", ".join(sorted(allowed))})
        if upload.size == 0:
            raise TicketError(errors.ATTACHMENT_EMPTY % {"name": name})
        if upload.size > policy.max_attachment_mb * 1024 * 1024:
            raise TicketError(errors.ATTACHMENT_TOO_BIG % {
                "name": name, "limit": policy.max_attachment_mb})
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        if not _looks_like(ext, head):
            raise TicketError(errors.ATTACHMENT_SPOOFED % {"name": name, "ext": ext})
        checked.append(CheckedFile(upload, name, upload.size,
                                   CONTENT_TYPES.get(ext, "text/plain"), _sha256(upload)))
    return checked


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
