"""Backups (docs/deployment.md, "Backups"): a pg_dump of a seeded database restores with
pg_restore into an empty database with the same rows in every table. PostgreSQL only."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # pg_dump reads what is committed
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump needs PostgreSQL"),
]

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def tool(name: str) -> str:
    local = PG_BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed")
    return found


def row_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def test_a_dump_of_a_seeded_database_restores_to_the_same_counts(tmp_path):
    import psycopg

    call_command("seed_demo", verbosity=0, history=False)
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    where = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    dump = tmp_path / "filiere.dump"
    # The commands of docs/deployment.md, "Backups".
    subprocess.run(
        [tool("pg_dump"), "-Fc", "--no-owner", *where, "-f", str(dump), db["NAME"]],
        env=env,
        check=True,
    )
    assert dump.stat().st_size > 10_000
    with connection.cursor() as cursor:
        source = row_counts(cursor)
    restored = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [
                tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                *where,
                "-d",
                restored,
                str(dump),
            ],
            env=env,
            check=True,
        )
        with (
            psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                user=db["USER"],
                password=db["PASSWORD"],
                dbname=restored,
            ) as conn,
            conn.cursor() as cursor,
        ):
            copy = row_counts(cursor)
            cursor.execute("SELECT count(*) FROM beneficiaries_person")
            people = cursor.fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    assert copy == source
    # The comparison compared a seeded database, not empty tables.
    assert source["inventory_device"] > 0 and people > 0 and len(source) > 40
