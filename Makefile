# The two commands that matter: `make demo` and `make test` (README, first screen).
# Both work on a fresh Debian machine with only Python and apt.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# ffmpeg/ffprobe for media, a CJK font for drawtext, 7z for .7z/.rar packages, dovecot for the IMAP
# tests, LibreOffice (headless) to read legacy .doc forms and make the certificates, Chromium for the
# page tests; Calc (the 评分表 print test) and poppler-utils (pdftotext in the certificate test).
APT_PACKAGES := ffmpeg fonts-noto-cjk p7zip-full dovecot-imapd libreoffice-writer-nogui libreoffice-calc-nogui chromium poppler-utils
STAMP := $(VENV)/.installed
# The lock: every Python package at the version the tests passed with (see `make lock`); pip takes it
# as constraints in the venv here, in the image (docker/Dockerfile) and in CI alike.
LOCK := constraints.txt
# Building and running the worker image where there is no Docker engine: Debian's podman (runc, and
# the dnsname plugin so that compose services find each other by name), mmdebstrap for the base.
CONTAINER_APT_PACKAGES := podman buildah runc mmdebstrap podman-compose uidmap slirp4netns fuse-overlayfs \
	golang-github-containernetworking-plugin-dnsname
export CONTAINERS_CONF ?= $(CURDIR)/docker/containers.conf

.PHONY: demo test lint bench system venv clean lock image container-system test-containers

demo: system $(STAMP)
	$(BIN)/guangying demo

test: system $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e ".[dev]"
	touch $(STAMP)

# Refresh the lock from the venv after `make test` passed with new versions (e.g. after
# `$(BIN)/pip install -U NAME` or a dependency added to pyproject.toml); commit constraints.txt.
lock:
	{ sed -n '/^#/p' $(LOCK); grep ' ; ' $(LOCK); $(BIN)/pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)

# podman (or docker, where the machine has it instead) and what building the base needs; with their
# recommended packages (the network plugins among them), as measured on these machines. A docker
# client without a daemon that answers (some machines have one) does not count.
container-system:
	@if ! command -v podman >/dev/null 2>&1 && docker info >/dev/null 2>&1; then exit 0; fi; \
	missing=$$(for p in $(CONTAINER_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing container packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The worker image (docker/Dockerfile), with the base built from Debian where it cannot be pulled.
image: container-system
	docker/image.sh

# The worker image for real (minutes: tests/containers): not part of `make test`; .ci/run runs it after.
test-containers: system $(STAMP) container-system
	GUANGYING_CONTAINER_TESTS=1 $(BIN)/pytest -p no:cacheprovider -rP tests/containers

bench: system $(STAMP)
	$(BIN)/python bench/technical.py

clean:
	rm -rf $(VENV) var .pytest_cache
