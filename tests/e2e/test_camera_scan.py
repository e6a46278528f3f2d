"""A phone's camera as the scan box's scanner (issue 14), in a real Chromium whose camera is a
video file of a printed label's Code 128: the vendored decoder reads it and the box opens
the device; nothing comes from another site."""

import barcode
import pytest
from barcode.writer import ImageWriter
from PIL import Image

from inventory.models import Device
from tests.e2e.conftest import ARGS, CHROMIUM, login, new_checked_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480


def write_y4m(path, image: Image.Image, frames: int = 10) -> None:
    """A YUV4MPEG2 video (what Chromium's fake camera plays) showing `image`, still."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    image.thumbnail((WIDTH - 40, HEIGHT - 40))
    frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def test_the_camera_reads_a_code128_label_and_opens_the_device(live_server, seeded, tmp_path):
    from playwright.sync_api import sync_playwright

    device = Device.objects.exclude(asset_tag="").order_by("pk").first()
    code = barcode.get("code128", device.asset_tag, writer=ImageWriter()).render(
        writer_options={"module_width": 0.4, "module_height": 12.0, "write_text": False}
    )
    video = tmp_path / "label.y4m"
    write_y4m(video, code.convert("RGB"))
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + camera, headless=True)
        page = new_checked_page(browser, permissions=["camera"])
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        base = live_server.url
        login(page, base, "technicien")
        button = page.get_by_role("button", name="Caméra")
        assert button.is_visible()
        # The decoder is loaded only when asked for.
        assert not any("zxing" in url for url in requests)
        button.click()
        page.wait_for_url(f"{base}{device.get_absolute_url()}*", timeout=30000)
        assert device.asset_tag in page.content()
        assert any(url.endswith("/static/vendor/zxing/zxing.min.js") for url in requests)
        assert all(url.startswith(base) or url.startswith("data:") for url in requests)
        page.axe.flush()
        browser.close()
