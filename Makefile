# The two commands that matter: `make demo` and `make test` (README, first screen).
# Both work on a fresh Debian machine with only Python and apt.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# ffmpeg/ffprobe for media, a CJK font for drawtext, 7z for .7z/.rar packages, dovecot for the IMAP
# tests, LibreOffice (headless) to read legacy .doc forms, Chromium for the showcase-page test.
APT_PACKAGES := ffmpeg fonts-noto-cjk p7zip-full dovecot-imapd libreoffice-writer-nogui libreoffice-calc-nogui chromium poppler-utils
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system venv clean

demo: system $(STAMP)
	$(BIN)/guangying demo

test: system $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

bench: system $(STAMP)
	$(BIN)/python bench/technical.py

clean:
	rm -rf $(VENV) var .pytest_cache
