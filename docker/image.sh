#!/usr/bin/env bash
# `make image`: build the guangying worker image (docker/Dockerfile) with podman, or with docker where
# that is what the machine has. Where the base image (debian:bookworm-slim) cannot be pulled, it is
# built from Debian's packages with mmdebstrap and tagged with that name, so the one Dockerfile
# builds here and on any Docker host. Prints the image reference on its last line.
#   IMAGE=...       the tag to build (default localhost/guangying-worker:latest)
#   DOCKERFILE=...  another Dockerfile on the same base, context the checkout (the compose test's
#                   stand-ins: docker/test/postgres.Dockerfile, docker/test/seaweedfs.Dockerfile)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-localhost/guangying-worker:latest}
DOCKERFILE=${DOCKERFILE:-docker/Dockerfile}
BASE=docker.io/library/debian:bookworm-slim

if command -v podman >/dev/null 2>&1; then
    ENGINE=podman
    export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/docker/containers.conf}
elif docker info >/dev/null 2>&1; then  # a client whose daemon answers
    ENGINE=docker
else
    echo "image.sh: neither podman nor a docker daemon is available (make container-system installs podman)" >&2
    exit 2
fi

log() { echo "image.sh: $*" >&2; }

if ! $ENGINE image inspect "$BASE" >/dev/null 2>&1; then
    if timeout 120 $ENGINE pull "$BASE" >&2; then
        log "pulled $BASE"
    else
        log "$BASE cannot be pulled here: building it from Debian packages with mmdebstrap"
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        started=$(date +%s)
        # the same suites as the official image (bookworm, -updates, -security), minimal variant
        mmdebstrap --variant=minbase bookworm "$tmp/base.tar" \
            "deb http://deb.debian.org/debian bookworm main" \
            "deb http://deb.debian.org/debian bookworm-updates main" \
            "deb http://deb.debian.org/debian-security bookworm-security main" >&2
        $ENGINE import --change 'CMD ["bash"]' "$tmp/base.tar" "$BASE" >&2
        log "base built in $(($(date +%s) - started)) s"
    fi
fi

args=(-f "$DOCKERFILE" -t "$IMAGE")
if [ "$ENGINE" = podman ]; then
    # pip reaches PyPI through the host's network; trust the host's CA bundle where it has one
    args+=(--network=host)
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        args+=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro --build-arg PIP_CERT=/run/host-ca.crt)
    fi
fi
previous=$($ENGINE image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
started=$(date +%s)
$ENGINE build "${args[@]}" . >&2
log "image $IMAGE built in $(($(date +%s) - started)) s"
current=$($ENGINE image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
    # the image this tag named before (GBs): gone unless a container still uses it
    $ENGINE rmi "$previous" >/dev/null 2>&1 || true
fi
echo "$IMAGE"
