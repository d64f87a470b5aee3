# Test stand-in for the official postgres image (docker/compose.test.yaml), where Docker Hub cannot be
# reached: Debian's PostgreSQL on the same Debian base as the worker, with the official image's
# interface — POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, the init scripts of
# /docker-entrypoint-initdb.d (*.sql, *.sh) run once on an empty data folder, PGDATA, port 5432.
FROM debian:bookworm-slim

# no cluster of Debian's own at install time: the entrypoint makes one in PGDATA
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/lib/postgresql/*/bin /usr/lib/postgresql/bin \
 && mkdir -p /docker-entrypoint-initdb.d

ENV PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8 \
    PATH=/usr/lib/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY docker/test/postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
