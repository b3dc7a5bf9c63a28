#!/usr/bin/env bash
# Services the registry tests need: a PostgreSQL server on loopback and Debian's Chromium.
#
# Sourced by .ci/run (`. .ci/services.sh`); also runnable on its own. Works as root on a fresh
# Debian machine and is idempotent: packages are installed only when missing, an existing
# cluster is reused, and the test role's throwaway password is kept in a root-only file and
# reused (reset only when missing or stale), so re-sourcing never breaks a run in progress.
# Exports COMPUTEGOV_TEST_POSTGRES_URL=postgresql+psycopg://computegov_test:PASS@127.0.0.1:PORT/computegov_test
# On failure it prints why and leaves the variable unset (the PostgreSQL tests then skip).

_cg_services() {
    local missing=()
    command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v swtpm >/dev/null 2>&1 || missing+=(swtpm swtpm-tools)  # TPM quote tests (tests/attest)
    command -v tpm2_quote >/dev/null 2>&1 || missing+=(tpm2-tools)
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)  # axe-core for the page accessibility test (tests/web)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "services: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 || { echo "services: apt-get update failed" >&2; return 1; }
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
            || { echo "services: apt-get install ${missing[*]} failed" >&2; return 1; }
    fi

    local version cluster port status
    # the newest installed server version
    version=$( (ls /usr/lib/postgresql 2>/dev/null || true) | sort -V | tail -n 1)
    [ -n "$version" ] || { echo "services: no PostgreSQL server under /usr/lib/postgresql" >&2; return 1; }
    cluster=main
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {f=1} END {exit !f}'; then
        pg_createcluster "$version" "$cluster" -- --auth-local=peer --auth-host=scram-sha-256 >&2 \
            || { echo "services: pg_createcluster $version $cluster failed" >&2; return 1; }
    fi
    read -r port status < <(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $3, $4}')
    if [ "$status" != "online" ]; then
        # loopback only, whatever the cluster's configuration says
        pg_ctlcluster "$version" "$cluster" start -o "-c listen_addresses=127.0.0.1" >&2 \
            || { echo "services: could not start PostgreSQL $version/$cluster" >&2; return 1; }
    fi
    local i
    for i in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || { echo "services: PostgreSQL not ready on 127.0.0.1:$port" >&2; return 1; }

    # One password per machine, kept in a root-only file and reused, so that sourcing this
    # script again (another shell, another job on a shared machine) does not lock out test
    # runs already using the URL. A new one is made only when the file is missing or stale.
    local password pwfile
    pwfile=${COMPUTEGOV_TEST_PG_PASSWORD_FILE:-/var/lib/postgresql/.computegov_test.password}
    if [ -s "$pwfile" ]; then
        password=$(tr -dc 'A-Za-z0-9' < "$pwfile" | head -c 64)
    fi
    if [ -n "${password:-}" ] && PGPASSWORD="$password" psql -qtA -h 127.0.0.1 -p "$port" -U computegov_test \
            -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
        : # the stored password works: keep it
    else
        password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
        (umask 077 && printf '%s\n' "$password" > "$pwfile") \
            || { echo "services: cannot write $pwfile" >&2; return 1; }
        runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || { echo "services: could not create the test role" >&2; return 1; }
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'computegov_test') THEN
    CREATE ROLE computegov_test LOGIN;
  END IF;
END \$\$;
ALTER ROLE computegov_test WITH LOGIN PASSWORD '$password';
SQL
    fi
    # CREATEDB: each test process (each pytest-xdist worker) makes a throwaway database of its own
    # (tests/registry/conftest.py); without it they fall back to a schema each in computegov_test.
    if ! runuser -u postgres -- psql -tA -p "$port" -d postgres \
            -c "SELECT 1 FROM pg_roles WHERE rolname='computegov_test' AND rolcreatedb" | grep -q 1; then
        runuser -u postgres -- psql -q -p "$port" -d postgres -c 'ALTER ROLE computegov_test CREATEDB' >/dev/null \
            || echo "services: could not grant CREATEDB to computegov_test (tests use a schema each)" >&2
    fi
    if ! runuser -u postgres -- psql -tA -p "$port" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='computegov_test'" | grep -q 1; then
        runuser -u postgres -- createdb -p "$port" -O computegov_test computegov_test \
            || { echo "services: could not create database computegov_test" >&2; return 1; }
    fi
    export COMPUTEGOV_TEST_POSTGRES_URL="postgresql+psycopg://computegov_test:${password}@127.0.0.1:${port}/computegov_test"
    echo "services: PostgreSQL $version on 127.0.0.1:$port, database computegov_test; chromium at /usr/bin/chromium" >&2
}

_cg_services || echo "services: PostgreSQL unavailable; registry tests marked 'postgres' will skip" >&2
unset -f _cg_services
