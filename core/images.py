"""Small images people upload or draw (a logo, a signature): read once, checked to be what
they claim, and embedded in pages and PDFs as data: URIs (the PDF fetcher serves those)."""

import base64
import io

from PIL import Image, UnidentifiedImageError


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(Pillow's format name, width, height) of a well-formed image, None for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format, image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
