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

# as root, installs what is missing; otherwise says what to install (the loaders then refuse those formats)
system:
	@if ! ( $(SYSTEM_CHECK) ) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(APT_PACKAGES) >/dev/null; \
	  else echo "Thiếu công cụ đọc tệp quét/.doc; cài bằng: sudo apt-get install $(APT_PACKAGES)" >&2; fi; \
	fi

install: system $(STAMP)

# the browser tests drive Debian's Chromium; same rule as `system`
system-test: system
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium >/dev/null; \
	  else echo "Thiếu trình duyệt cho bài kiểm thử giao diện; cài bằng: sudo apt-get install chromium" >&2; fi; \
	fi

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
