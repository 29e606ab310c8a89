"""Attachments (SPEC T-1, T-4): the tenant's count, size and type limits, content that must
match the extension, safe stored names, and the checksum kept with each file."""
import hashlib
import io
import zipfile

import pytest

from tests.tickets.factories import TicketTypeFactory, upload
from tickets import errors, services
from tickets.attachments import check_uploads, safe_name
from tickets.errors import TicketError
from tickets.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
TEXT = "Error 500 at checkout\ncafé ☕\n".encode()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("error.log", "Error 500 at checkout\n")
    return buffer.getvalue()


@pytest.fixture
def policy(tenant):
    return tenant.policy


def refused(files, policy) -> str:
    with pytest.raises(TicketError) as error:
        check_uploads(files, policy)
    return error.value.message


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("report.pdf", PDF, "application/pdf"),
    ("screenshot.png", PNG, "image/png"),
    ("logs.zip", zip_bytes(), "application/zip"),
    ("error.txt", TEXT, "text/plain"),
    ("SCREENSHOT.PNG", PNG, "image/png"),
    ("export.csv", "Città;Importo\nMilano;10\n".encode("cp1252"), "text/plain"),
    ("colours.log", b"\x1b[31mERROR\x1b[0m checkout\r\n\tat line 3\n", "text/plain"),
])
def test_good_files_are_accepted(policy, name, content, content_type):
    [checked] = check_uploads([upload(name, content)], policy)
    assert (checked.name, checked.size, checked.content_type) == (
        name, len(content), content_type)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_too_many_files_are_refused(policy):
    files = [upload(f"log{n}.txt") for n in range(policy.max_attachments_per_message + 1)]
    assert refused(files, policy) == errors.ATTACHMENT_TOO_MANY % {"limit": 5}
    assert len(check_uploads(files[:-1], policy)) == 5


def test_a_file_over_the_size_limit_is_refused(policy):
    policy.max_attachment_mb = 1
    limit = 1024 * 1024
    assert refused([upload("big.txt", b"a" * (limit + 1))], policy) == (
        errors.ATTACHMENT_TOO_BIG % {"name": "big.txt", "limit": 1})
    assert check_uploads([upload("fits.txt", b"a" * limit)], policy)


@pytest.mark.parametrize("name", ["setup.exe", "script.sh", "README", "photo.svg"])
def test_types_outside_the_tenants_list_are_refused(policy, name):
    message = refused([upload(name, b"MZ\x90\x00")], policy)
    assert message.startswith(f"“{name}”: files of this type are not accepted")
    assert "pdf" in message


def test_the_tenant_chooses_the_types(policy):
    policy.allowed_attachment_types = " PDF, .png "
    assert check_uploads([upload("a.pdf", PDF), upload("b.png", PNG)], policy)
    assert refused([upload("c.txt")], policy).startswith("“c.txt”: files of this type")


@pytest.mark.parametrize(("name", "content"), [
    ("screenshot.png", b"just some text pretending\n"),
    ("invoice.pdf", PNG),
    ("notes.txt", b"line one\x00\x00\x00binary"),
    ("dump.sql", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
    ("archive.zip", PDF),
    ("photo.jpg", PNG),
    ("data.csv", zip_bytes()),
])
def test_content_that_does_not_match_the_extension_is_refused(policy, name, content):
    ext = name.rsplit(".", 1)[1]
    assert refused([upload(name, content)], policy) == errors.ATTACHMENT_SPOOFED % {
        "name": name, "ext": ext}


def test_a_wav_file_is_no_webp_image(policy):
    policy.allowed_attachment_types = "webp"
    wav = b"RIFF\x24\x08\x00\x00WAVEfmt "
    assert refused([upload("photo.webp", wav)], policy) == errors.ATTACHMENT_SPOOFED % {
        "name": "photo.webp", "ext": "webp"}
    webp = b"RIFF\x24\x08\x00\x00WEBPVP8 "
    assert check_uploads([upload("photo.webp", webp)], policy)


def test_an_empty_file_is_refused(policy):
    assert refused([upload("empty.txt", b"")], policy) == errors.ATTACHMENT_EMPTY % {
        "name": "empty.txt"}


@pytest.mark.parametrize(("given", "stored"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/var/www/html/error.log", "error.log"),
    ("C:\\Users\\anna\\Desktop\\report.pdf", "report.pdf"),
    ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
    ("re\x00po\x1frt\n\r.txt", "report.txt"),
    ("\u202eexe.txt", "exe.txt"),
    (".htaccess.txt", "htaccess.txt"),
    ('what?<is>:this|"*.txt', "whatisthis.txt"),
    ("Cafe\u0301.txt", "Café.txt"),
])
def test_names_are_made_safe(given, stored):
    assert safe_name(given) == stored


def test_a_long_name_is_truncated_keeping_the_extension():
    name = safe_name("a" * 296 + ".pdf")
    assert name == "a" * 116 + ".pdf"


@pytest.fixture
def customer_ticket_with(tenant, customer):
    def submit(*files):
        return services.submit_ticket(
            tenant=tenant, membership=customer.membership,
            ticket_type=TicketTypeFactory(department__tenant=tenant), subject="Checkout fails",
            body="See the attached files.", uploads=list(files))
    return submit


def test_stored_attachments_keep_a_safe_name_their_bytes_and_checksum(customer_ticket_with):
    ticket = customer_ticket_with(upload("../../etc/passwd.txt", TEXT),
                                  upload("x" * 300 + ".png", PNG))
    stored = {a.name: a for a in Attachment.objects.for_tenant(ticket.tenant)
              .filter(message__ticket=ticket)}
    assert set(stored) == {"passwd.txt", "x" * 116 + ".png"}
    for attachment, content in ((stored["passwd.txt"], TEXT),
                                (stored["x" * 116 + ".png"], PNG)):
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert attachment.size == len(content)
        assert ".." not in attachment.file.name
        assert attachment.file.name.startswith("attachments/")
        with attachment.file.open("rb") as stored_file:
            assert stored_file.read() == content
    assert stored["x" * 116 + ".png"].file.name.endswith(".png")


def test_a_message_with_one_bad_file_stores_none(customer_ticket_with, tenant, customer,
                                                 agent):
    ticket = customer_ticket_with()
    with pytest.raises(TicketError):
        services.post_message(ticket=ticket, author=customer, body="two files",
                              uploads=[upload("good.txt"), upload("bad.png", b"text")])
    assert ticket.messages.count() == 1
    assert not Attachment.objects.for_tenant(tenant).exists()
