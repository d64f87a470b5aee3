#!/usr/bin/env bash
# The official postgres image's entrypoint, reduced to what docker/compose.yaml uses: on an empty
# PGDATA, initdb with POSTGRES_USER/POSTGRES_PASSWORD, create POSTGRES_DB, run the init scripts on a
# server that listens on its socket only; then the server itself, listening on every address.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
trap 'exit 1' INT TERM  # bash as PID 1 ignores them unless told: a stop during the init stops
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 -D "$PGDATA"
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    # the init server answers on a socket of its own: pg_isready (the healthcheck) says ready only
    # once the real server is up
    export PGHOST=/tmp/initdb-socket
    mkdir -p "$PGHOST" && chown postgres "$PGHOST"
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$PGHOST" -w start
    psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password)
    if [ "$POSTGRES_DB" != postgres ]; then
        as_postgres "${psql[@]}" --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
    fi
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sql) echo "running $script"; as_postgres "${psql[@]}" --dbname "$POSTGRES_DB" -f "$script" ;;
            *.sh) echo "running $script"; . "$script" ;;
            *) [ -e "$script" ] && echo "ignoring $script" ;;
        esac
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGHOST
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@" -D "$PGDATA" -c listen_addresses='*'
