"""CACHE_URL: one Redis cache for every web process and worker, so that a slow aggregate
(core.fresh) counted once serves every process and one refresh lock holds across them. The
tests start their own redis-server on a free port (never the network, never the broker's)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import caches

from core import fresh

ROOT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")

pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed here")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(5)


def settings_with(url: str) -> dict:
    """The CACHES config/settings.py builds from this CACHE_URL (read in a fresh process, as a
    deployment would)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s, json; print(json.dumps(s.CACHES))",
        ],
        cwd=ROOT,
        env={**os.environ, "CACHE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_cache_url_selects_redis_and_no_url_stays_local():
    assert settings_with("redis://cache:6379/2")["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/2",
        "KEY_PREFIX": "filiere",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
    assert settings_with("")["default"]["BACKEND"].endswith("LocMemCache")


@pytest.fixture
def shared(settings, redis_url):
    settings.CACHES = settings_with(redis_url)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker refreshes: the stale path is taken
    caches["default"].clear()
    yield redis_url
    caches["default"].clear()


READ_IN_ANOTHER_PROCESS = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from core import fresh
def refused():
    raise SystemExit("counted again in the second process")
got = fresh.read("bench:figures", ("v", 1), refused, refused, max_age=300)
print(got.value, got.stale)
"""


def test_a_value_counted_in_one_process_serves_another(shared):
    computed = []
    first = fresh.read("bench:figures", ("v", 1), lambda: computed.append(1) or 42, None, 300)
    assert (first.value, first.stale, computed) == (42, False, [1])

    other = subprocess.run(
        [sys.executable, "-c", READ_IN_ANOTHER_PROCESS],
        cwd=ROOT,
        env={**os.environ, "CACHE_URL": shared, "CELERY_BROKER_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.split() == ["42", "False"]


@pytest.mark.django_db
def test_one_refresh_lock_for_every_process(shared, django_capture_on_commit_callbacks):
    fresh.store("bench:figures", ("v", 1), 42)
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        stale = fresh.read("bench:figures", ("v", 2), None, lambda: queued.append("a"), 300)
    assert (stale.value, stale.stale, queued) == (42, True, ["a"])

    # A second process (its own connection to the same Redis) sees the lock and queues nothing.
    caches.close_all()
    del caches["default"]
    with django_capture_on_commit_callbacks(execute=True):
        again = fresh.read("bench:figures", ("v", 2), None, lambda: queued.append("b"), 300)
    assert (again.value, again.stale, queued) == (42, True, ["a"])

    # The refresh stores the new figures and frees the lock for the next change.
    fresh.store("bench:figures", ("v", 2), 43)
    assert fresh.read("bench:figures", ("v", 2), None, None, 300).value == 43
    assert caches["default"].get("bench:figures:refresh") is None
