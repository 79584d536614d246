"""The lowest PyAV the pack allows (ComfyUI's own floor, av 14.2.0) writes and reads every format:
the video tests run again in a subprocess that sees av 14.2.0 instead of the installed one."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOWEST_AV = "av==14.2.0"


def test_video_tests_pass_with_the_lowest_pyav_allowed(tmp_path):
    target = tmp_path / "lowest"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    LOWEST_AV], check=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}
    version = subprocess.run([sys.executable, "-c", "import av; print(av.__version__)"], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == LOWEST_AV.split("==")[1]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_video_formats.py",
                           "tests/test_cli_video.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
