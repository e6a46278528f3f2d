# syntax=docker/dockerfile:1
#
# Production image for Filière. The same image runs every application process;
# docker-compose.yml chooses the command: gunicorn (web, the default CMD below),
# `celery -A config worker`, `celery -A config beat`, and the one-shot `migrate` job.
# See docs/deployment.md.
FROM python:3.11-slim-bookworm

# PYTHONPATH=/app: the code always runs from /app, where templates/, static/ and locale/
# live (BASE_DIR), even for the `celery` console script, which does not put the current
# directory on sys.path by itself.
# MEDIA_ROOT / STATIC_ROOT: defaults for a bare `docker run`; docker-compose.yml sets the
# same values and mounts named volumes there.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/data/static

# WeasyPrint (PDF labels) needs Pango, HarfBuzz and at least one font;
# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        gettext \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user; a real home directory so fontconfig can keep its cache.
RUN groupadd --system --gid 1000 filiere \
    && useradd --system --uid 1000 --gid filiere --create-home --home-dir /home/filiere \
        --shell /usr/sbin/nologin filiere

WORKDIR /app

# Dependencies first, from the runtime lock alone, so a code change does not reinstall them.
# requirements/base.txt is written from pyproject.toml by `make lock`: every package pinned
# with its hashes, so --require-hashes refuses any other file and --no-deps adds nothing
# that the lock does not list.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt

COPY . .

# `pip install .` registers the project (dependencies are already there), translations are
# compiled, and the volume mount points are created owned by the app user: an empty named
# volume takes the owner of the directory it is first mounted on.
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && mkdir -p locale \
    && python manage.py compilemessages \
    && mkdir -p /data/media /data/static \
    && chown -R filiere:filiere /data

USER filiere

EXPOSE 8000

# Keep in sync with the `web` command in docker-compose.yml (tests/test_deployment.py checks it).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--max-requests", "1000", "--max-requests-jitter", "100", "--forwarded-allow-ips", "*", "--access-logfile", "-"]
