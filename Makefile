# Two entry points (see README): `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Debian packages the loaders call: OCR of scanned PDFs (tesseract + its Vietnamese model, pdftoppm), legacy
# .doc (antiword, LibreOffice as fallback); LibreOffice Calc and DejaVu make the tests' .xls and scanned pages.
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie poppler-utils antiword libreoffice-writer-nogui \
	libreoffice-calc-nogui fonts-dejavu-core
SYSTEM_CHECK := command -v tesseract && tesseract --list-langs 2>&1 | grep -qx vie && command -v pdftoppm \
	&& command -v antiword && command -v soffice && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

.PHONY: install system system-test run test test-fast lint eval bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU wheel first, or pip pulls a multi-GB CUDA build of torch
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# $(call apt_install,PACKAGES,CHECK,WHAT): as root, installs PACKAGES when CHECK fails; otherwise says what
# is missing and the command that installs it
define apt_install
	@if ! ( $(2) ) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(1) >/dev/null; \
	  else echo "Thiếu $(3); cài bằng: sudo apt-get install $(1)" >&2; fi; \
	fi
endef

# OCR, .doc and the format fixtures' tools (without them the loaders refuse those formats)
system:
	$(call apt_install,$(APT_PACKAGES),$(SYSTEM_CHECK),công cụ đọc tệp quét/.doc)

install: system $(STAMP)

# the browser tests drive Debian's Chromium
system-test: system
	$(call apt_install,chromium,command -v chromium,trình duyệt cho bài kiểm thử giao diện)

run: $(STAMP)
	$(PY) -m assistant serve --ingest

test: system-test $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy core assistant ingest eval prompts
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# the fast tier: no model, no corpus index, no browser (tests/conftest.py marks the rest `full`); CI runs `make test`
test-fast: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not full" -q

eval: $(STAMP)
	$(PY) -m eval run

bench: $(STAMP)
	$(PY) -m assistant bench
