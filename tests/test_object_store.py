"""Files in an object store: with FILIERE_S3_BUCKET set, uploaded imports, built reports and
erasure certificates go to the bucket (moto's S3 server, started here on 127.0.0.1: never the
network), nothing lands in MEDIA_ROOT, and a file is had only through the view that checks who
asks, streamed by Django. Without a bucket, the local folder as before."""

import io
import itertools
import re
import runpy
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from inventory.enums import ImportStatus
from inventory.models import Device, ImportJob
from reconditioning.demo import walk_to
from reports.models import ReportJob
from tests.factories import make_device

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "config" / "settings.py"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "filiere-test", "AWS_SECRET_ACCESS_KEY": "filiere-secret"}
REGION = "eu-west-3"
CSV = (
    "N° de série;Marque;Modèle;Type;Mémoire\r\n"
    "S3-0001;Lenovo;ThinkPad T480;PC portable;8 Go\r\n"
    "S3-0002;Dell;Latitude 7490;PC portable;16 Go\r\n"
).encode("cp1252")
_bucket_numbers = itertools.count(1)


def settings_from_env(monkeypatch, **variables) -> dict:
    """config/settings.py run afresh with these environment variables (and no others of its
    own): what a deployment with that .env gets."""
    for name in runpy.run_path(str(SETTINGS_FILE))["ENVIRONMENT_VARIABLES"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3-compatible server on a free port, for this module's tests."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the app's storage settings as a .env naming it would make them."""
    name = f"filiere-media-{next(_bucket_numbers)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    configured = settings_from_env(
        monkeypatch,
        FILIERE_S3_BUCKET=name,
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME=REGION,
        AWS_S3_ADDRESSING_STYLE="path",
        **CREDENTIALS,
    )
    settings.STORAGES = configured["STORAGES"]

    class Bucket:
        endpoint = s3_endpoint

        def __init__(self):
            self.name, self.client, self.url = name, client, f"{s3_endpoint}/{name}"

        def keys(self) -> list[str]:
            listed = client.list_objects_v2(Bucket=name)
            return sorted(obj["Key"] for obj in listed.get("Contents", []))

        def read(self, key: str) -> bytes:
            return client.get_object(Bucket=name, Key=key)["Body"].read()

    return Bucket()


def assert_no_storage_address(response, bucket):
    """Nothing the user receives points at the store: no bucket URL, signed or not, in the
    body or the headers (a download is streamed, never a redirect to the bucket)."""
    body = b"" if response.streaming else response.content
    seen = [body.decode("utf-8", "replace"), *(f"{k}: {v}" for k, v in response.items())]
    for text in seen:
        assert bucket.endpoint not in text and "X-Amz-" not in text, text[:200]


def upload_import(client, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("inventory:batch_import", args=[batch.pk]),
            {"file": SimpleUploadedFile("inventaire mairie.csv", CSV)},
        )


# Settings


def test_no_bucket_keeps_the_local_folder(monkeypatch):
    configured = settings_from_env(monkeypatch)
    assert configured["FILIERE_S3_BUCKET"] == ""
    assert configured["STORAGES"] == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_a_bucket_gives_a_private_signed_never_overwritten_store(monkeypatch):
    configured = settings_from_env(
        monkeypatch,
        FILIERE_S3_BUCKET="filiere-media",
        AWS_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        AWS_S3_REGION_NAME="fr-par",
        AWS_S3_ADDRESSING_STYLE="virtual",
        **CREDENTIALS,
    )
    storages = configured["STORAGES"]
    options = storages["default"]["OPTIONS"]
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "filiere-media"
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert options["region_name"] == "fr-par" and options["addressing_style"] == "virtual"
    assert options["access_key"] == "filiere-test" and options["secret_key"] == "filiere-secret"
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["file_overwrite"] is False and options["querystring_expire"] <= 600
    # Static files are not moved to the bucket.
    assert storages["staticfiles"] == {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }


# With a bucket


def test_uploaded_import_goes_to_the_bucket_and_is_imported_from_it(
    bucket, settings, tech_client, batch, django_capture_on_commit_callbacks
):
    response = upload_import(tech_client, batch, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    # The analysis read the file back from the bucket: the preview lists its rows.
    assert job.status == ImportStatus.PREVIEW and job.total_rows == 2
    assert bucket.keys() == [job.file.name] and job.file.name.startswith("imports/")
    assert bucket.read(job.file.name) == CSV
    assert media_files(settings) == []
    page = tech_client.get(response.url)
    assert "S3-0002" in page.content.decode()
    assert_no_storage_address(page, bucket)
    # The object is private: no grant to everyone.
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=job.file.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(
            reverse("inventory:import_job_confirm", args=[job.pk]), {"action": "confirm"}
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 2
    assert set(Device.objects.values_list("serial_number", flat=True)) == {"S3-0001", "S3-0002"}
    assert media_files(settings) == []


def test_the_admin_names_an_import_file_without_linking_to_the_store(
    bucket, client, tech_client, batch, django_capture_on_commit_callbacks, django_user_model
):
    upload_import(tech_client, batch, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org"))
    page = client.get(reverse("admin:inventory_importjob_change", args=[job.pk]))
    assert page.status_code == 200 and job.file.name in page.content.decode()
    assert_no_storage_address(page, bucket)


def test_the_same_name_twice_keeps_both_files(
    bucket, tech_client, batch, django_capture_on_commit_callbacks
):
    upload_import(tech_client, batch, django_capture_on_commit_callbacks)
    upload_import(tech_client, batch, django_capture_on_commit_callbacks)
    first, second = ImportJob.objects.order_by("pk")
    assert first.file.name != second.file.name
    assert bucket.keys() == sorted([first.file.name, second.file.name])


def test_report_job_is_stored_in_the_bucket_and_streamed_to_its_requester_only(
    bucket,
    settings,
    client,
    tech_client,
    batch,
    other_technician,
    django_capture_on_commit_callbacks,
):
    for serial in ("R-1", "R-2", "R-3"):
        make_device(batch, serial_number=serial)
    with django_capture_on_commit_callbacks(execute=True):
        response = tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE
    assert bucket.keys() == [job.file.name] and job.file.name.startswith("reports/")
    assert media_files(settings) == []
    page = tech_client.get(response.url)
    assert 'id="download"' in page.content.decode()
    assert_no_storage_address(page, bucket)
    url = reverse("inventory:report_job_file", args=[job.pk])
    download = tech_client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert_no_storage_address(download, bucket)
    content = b"".join(download.streaming_content)
    assert content == bucket.read(job.file.name)
    summary = {r[0].value: r[1].value for r in openpyxl.load_workbook(io.BytesIO(content)).active}
    assert summary["Appareils"] == 3
    # Someone of another workshop: neither the page nor the file, and no way round.
    client.force_login(other_technician)
    for address in (response.url, url):
        refused = client.get(address)
        assert refused.status_code in (403, 404)
        assert_no_storage_address(refused, bucket)


def test_long_erasure_certificate_is_built_into_the_bucket(
    bucket, settings, tech_client, batch, technician, django_capture_on_commit_callbacks
):
    devices = [
        walk_to(
            make_device(batch, drives=[{"capacity_gb": 500, "kind": "hdd"}]), S.ERASED, technician
        )
        for _ in range(2)
    ]
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=1):
        with django_capture_on_commit_callbacks(execute=True):
            response = tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    job = ReportJob.objects.get()
    assert response.status_code == 302 and job.kind == "certificate" and job.status == "done"
    assert bucket.keys() == [job.file.name] and media_files(settings) == []
    download = tech_client.get(reverse("inventory:report_job_file", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert all(d.asset_tag in text for d in devices)


def test_a_url_of_the_store_is_signed_and_short_lived(bucket):
    """The app never shows one; if one is ever made, it expires within minutes."""
    name = default_storage.save("reports/probe.txt", io.BytesIO(b"probe"))
    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url
    assert int(re.search(r"X-Amz-Expires=(\d+)", url).group(1)) <= 600


# Without a bucket


def test_default_keeps_files_in_media_root(
    settings, tech_client, batch, django_capture_on_commit_callbacks
):
    upload_import(tech_client, batch, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    job, report = ImportJob.objects.get(), ReportJob.objects.get()
    assert job.status == ImportStatus.PREVIEW and report.status == ReportJob.Status.DONE
    stored = {p.relative_to(settings.MEDIA_ROOT).as_posix() for p in media_files(settings)}
    assert stored == {job.file.name, report.file.name}
    assert (Path(settings.MEDIA_ROOT) / job.file.name).read_bytes() == CSV
    download = tech_client.get(reverse("inventory:report_job_file", args=[report.pk]))
    assert (
        b"".join(download.streaming_content)
        == (Path(settings.MEDIA_ROOT) / report.file.name).read_bytes()
    )


# The code itself


def test_no_template_or_module_links_to_or_opens_a_stored_file_by_its_storage_address():
    """A stored file's .url would bypass the permission check, its .path does not exist in a
    bucket: both are banned from the templates and the apps' code (reading goes through
    .open() or default_storage)."""
    banned = re.compile(r"\.file\.(url|path)\b|MEDIA_URL|\bfile\.path\b|\.url\s*}}")
    offenders = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "tests", "node_modules", "static", "staticfiles", ".git"}:
            continue
        if path.suffix not in {".py", ".html", ".txt"} or not path.is_file():
            continue
        if path == SETTINGS_FILE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if banned.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
