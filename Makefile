# Standalone setup (a fresh 2-core CPU machine, Python 3.11): `make demo` renders demo.mp4,
# `make test` runs the test suite. Inside ComfyUI, install requirements.txt into ComfyUI's own
# environment instead (see README); torch is never installed or changed there.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: setup host browser demo test bench clean

# install.py places the model files (as ComfyUI-Manager runs it); it returns at once when they are in place.
setup: $(VENV)/.installed
	$(PY) install.py

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q torch==2.13.0 -c constraints.txt
	$(PIP) install -q -r requirements.txt -r requirements-dev.txt -c constraints.txt
	touch $@

# The real ComfyUI host the integration test runs in (tools/comfy_host.py says how and why).
host: .host/.installed

.host/.installed: tools/comfy_host.py tools/torchvision_op_schemas.py requirements.txt
	$(PYTHON) tools/comfy_host.py .host
	touch $@

# Debian's Chromium and its driver for the browser test (root; skipped when already installed).
browser:
	@test -x /usr/bin/chromedriver || (apt-get update -q && apt-get install -y -q chromium chromium-driver)

demo: setup
	$(PY) -m pipelines demo --out demo.mp4 --report demo.json --srt demo.srt --sync-report demo_sync_report.json --sync-report-png demo_sync_report.png

bench: setup
	$(PY) -m pipelines bench

tests/media/.fetched: tools/fetch_test_media.py
	$(PY) tools/fetch_test_media.py tests/media
	touch $@

test: setup host browser tests/media/.fetched
	$(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) .host tests/media demo.mp4 demo.json demo.srt demo_sync_report.json demo_sync_report.png
