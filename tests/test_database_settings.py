"""The database settings each environment gives (docs/scaling.md), read in a subprocess:
config/settings.py reads the environment once, at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIMARY = "postgres://filiere:secret@db:5432/filiere"
REPLICA = "postgres://filiere:secret@db-replica:5432/filiere"
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'databases': settings.DATABASES, "
    "'routers': settings.DATABASE_ROUTERS}, default=str))"
)


def settings_with(**variables) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_SETTINGS"))
    }
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_replica_there_is_one_database_and_no_router():
    found = settings_with(DATABASE_URL=PRIMARY)
    assert list(found["databases"]) == ["default"] and found["routers"] == []
    assert found["databases"]["default"]["ATOMIC_REQUESTS"] is True


def test_a_replica_url_adds_the_alias_and_the_router():
    found = settings_with(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA)
    replica = found["databases"]["replica"]
    assert replica["HOST"] == "db-replica" and replica["NAME"] == "filiere"
    assert replica["ATOMIC_REQUESTS"] is False
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["CONN_MAX_AGE"] == found["databases"]["default"]["CONN_MAX_AGE"]
    assert found["routers"] == ["core.db.ReplicaRouter"]


def test_behind_pgbouncer_no_server_side_cursor_and_no_kept_connection():
    found = settings_with(
        DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA, DATABASE_PGBOUNCER="1"
    )
    for alias in ("default", "replica"):
        db = found["databases"][alias]
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True, alias
        assert db["CONN_MAX_AGE"] == 0, alias
        # Prepared statements stay off (Django's default for psycopg): nothing asks for them.
        assert not {"prepare_threshold", "server_side_binding"} & set(db.get("OPTIONS", {}))


def test_connection_age_and_health_checks_from_the_environment():
    default = settings_with(DATABASE_URL=PRIMARY)["databases"]["default"]
    assert default["CONN_MAX_AGE"] == 60 and default["CONN_HEALTH_CHECKS"] is False
    assert not default.get("DISABLE_SERVER_SIDE_CURSORS")
    told = settings_with(
        DATABASE_URL=PRIMARY, DATABASE_CONN_MAX_AGE="300", DATABASE_CONN_HEALTH_CHECKS="true"
    )["databases"]["default"]
    assert told["CONN_MAX_AGE"] == 300 and told["CONN_HEALTH_CHECKS"] is True


def test_sqlite_is_left_alone_by_the_pooler_setting():
    found = settings_with(DATABASE_URL="sqlite:////tmp/filiere-x.sqlite3", DATABASE_PGBOUNCER="1")
    db = found["databases"]["default"]
    assert db["CONN_MAX_AGE"] == 0 and not db.get("DISABLE_SERVER_SIDE_CURSORS")
