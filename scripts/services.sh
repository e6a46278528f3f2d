#!/usr/bin/env bash
# Install (Debian packages) and start PostgreSQL 15 and Redis for the CI test run, and the
# browser the end-to-end tests drive. Idempotent: safe to run on a machine that has them.
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# zbarimg reads the rendered labels back (tests/inventory/test_scanning.py).
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# WeasyPrint's system libraries and a font for the PDFs.
ldconfig -p | grep -q libpango-1.0 || need+=(libpango-1.0-0)
ldconfig -p | grep -q libpangoft2-1.0 || need+=(libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# PostgreSQL: the first cluster found (15 on Debian 12), started if it is down.
if ! pg_lsclusters -h | grep -q .; then
  pg_createcluster 15 main
fi
read -r ver name _ <<<"$(pg_lsclusters -h | head -n1)"
pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'filiere') THEN
    CREATE ROLE filiere LOGIN PASSWORD 'filiere' CREATEDB;
  END IF;
END $$;
SQL
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname = 'filiere'\"" | grep -q 1 \
  || su postgres -c "createdb -O filiere filiere"

# Redis on loopback.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 ping
