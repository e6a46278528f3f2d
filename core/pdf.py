"""One way to turn a template into a PDF, and a PDF into a response, for every document.

WeasyPrint fetches what a document points to (images, stylesheets, fonts, @import). Names,
models and notes typed by people end up in these documents, so the fetcher is closed: it
serves the project's own static files, by path, and small inline images (the QR codes); it
refuses everything else (file://, http(s)://, ftp, other data: URIs) without touching the
network or the disk, so it never follows a redirect either."""

import base64
import binascii
import logging
import posixpath
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Relative URLs in a document resolve against this origin; ".invalid" never resolves (RFC 2606),
# so even a fetcher bug could not reach a real host with it.
BASE_URL = "https://pdf.filiere.invalid/"
DATA_URI_MAX_BYTES = 512 * 1024
DATA_URI_TYPES = frozenset({"image/svg+xml", "image/png", "image/jpeg", "image/gif"})
STATIC_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class ForbiddenFetch(ValueError):
    """WeasyPrint logs it and leaves the image or stylesheet out; the document still renders."""


def _data_uri(url: str) -> dict:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ForbiddenFetch("malformed data: URI")
    params = [p.strip().lower() for p in header.split(";")]
    mime = params[0] or "text/plain"
    if mime not in DATA_URI_TYPES:
        raise ForbiddenFetch(f"data: URI of type {mime!r}")
    if len(payload) > DATA_URI_MAX_BYTES * 2:
        raise ForbiddenFetch("data: URI too large")
    try:
        data = (
            base64.b64decode(unquote(payload), validate=False)
            if "base64" in params[1:]
            else unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError) as exc:
        raise ForbiddenFetch("undecodable data: URI") from exc
    if len(data) > DATA_URI_MAX_BYTES:
        raise ForbiddenFetch("data: URI too large")
    return {"string": data, "mime_type": mime}


def _static_path(url: str) -> Path:
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        raise ForbiddenFetch(f"{parts.scheme or 'relative'} URL outside the static files")
    if not parts.path.startswith(prefix) or parts.query:
        raise ForbiddenFetch("not a static file")
    relative = unquote(parts.path[len(prefix) :])
    normalised = posixpath.normpath(relative)
    if normalised.startswith(("..", "/")) or "\\" in relative or "\x00" in relative:
        raise ForbiddenFetch("path outside the static files")
    from django.contrib.staticfiles import finders

    try:
        found = finders.find(normalised)
    except Exception as exc:  # SuspiciousFileOperation on a traversal attempt
        raise ForbiddenFetch("path outside the static files") from exc
    if not found and settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / normalised).resolve()
        found = str(candidate) if candidate.is_relative_to(root) and candidate.is_file() else None
    if not found:
        raise ForbiddenFetch("no such static file")
    return Path(found if isinstance(found, str) else found[0])


def url_fetcher(url: str, *args, **kwargs) -> dict:
    """WeasyPrint's url_fetcher: static files and small inline images only, nothing else."""
    try:
        if url.startswith("data:"):
            return _data_uri(url)
        path = _static_path(url)
    except ForbiddenFetch as exc:
        logger.warning("PDF: refused to fetch %.200s (%s)", url, exc)
        raise
    mime = STATIC_TYPES.get(path.suffix.lower())
    if mime is None:
        raise ForbiddenFetch("static file of a type documents do not use")
    return {"string": path.read_bytes(), "mime_type": mime, "encoding": "utf-8"}


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import, only when a document is printed

    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))


def pdf_response(data: bytes, filename: str, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
