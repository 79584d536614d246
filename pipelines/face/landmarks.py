"""MediaPipe Face Landmarker: 478 landmarks on the full-resolution photo.

The model file is placed at install time (``install.py``, see ``common.models``); a ComfyUI
``models/mediapipe`` folder or an explicit path may supply it. Nothing is downloaded.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..common import models
from . import mediapipe_tasks

MAX_FACES = 8
TILE_FRACTIONS = (0.5, 0.25)
MIN_TILE = 192


def find_model(explicit: str | os.PathLike | None = None, search_dirs: tuple[str, ...] = ()) -> Path:
    """``face_landmarker.task``: ``explicit``, else ComfyUI's ``search_dirs``, else the user cache."""
    return models.find_model(models.FACE_LANDMARKER, search_dirs, explicit)


def _create_landmarker(model: Path):
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)), num_faces=MAX_FACES,
        min_face_detection_confidence=0.5, min_face_presence_confidence=0.5,
        running_mode=vision.RunningMode.IMAGE)
    return vision.FaceLandmarker.create_from_options(options)


def _detect_once(image: np.ndarray, model: Path) -> list[np.ndarray]:
    import mediapipe as mp

    h, w = image.shape[:2]
    picture = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
    result = mediapipe_tasks.run(f"landmarks:{model}", lambda: _create_landmarker(model),
                                 lambda landmarker: landmarker.detect(picture))
    return [np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float32)
            for lm in result.face_landmarks]


def _width(face: np.ndarray) -> float:
    return float(max(np.ptp(face[:, 0]), np.ptp(face[:, 1])))


def _tile_search(image: np.ndarray, model: Path) -> list[np.ndarray]:
    """Faces too small for the detector's 128-px input on the whole photo (a head in a 4K frame,
    a group photo): search overlapping square tiles of a half and a quarter of the short side."""
    h, w = image.shape[:2]
    found: list[np.ndarray] = []
    for fraction in TILE_FRACTIONS:
        side = int(min(h, w) * fraction)
        if side < MIN_TILE:
            break
        step = side // 2
        for y in range(0, max(h - side, 0) + step, step):
            for x in range(0, max(w - side, 0) + step, step):
                y0, x0 = min(y, h - side), min(x, w - side)
                for face in _detect_once(image[y0:y0 + side, x0:x0 + side], model):
                    face[:, 0] += x0
                    face[:, 1] += y0
                    found.append(face)
    return found


def _refine(image: np.ndarray, face: np.ndarray, model: Path) -> np.ndarray:
    """Re-run the landmarker on a crop framing one face, so its landmarks are as precise as
    those of a close-up portrait rather than those of a tile that cut it at the border."""
    h, w = image.shape[:2]
    cx, cy = face[:, 0].mean(), face[:, 1].mean()
    half = _width(face) * 1.2
    x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
    x1, y1 = int(min(cx + half, w)), int(min(cy + half, h))
    candidates = _detect_once(image[y0:y1, x0:x1], model)
    if not candidates:
        return face
    best = min(candidates, key=lambda f: np.hypot(f[:, 0].mean() + x0 - cx, f[:, 1].mean() + y0 - cy))
    best[:, 0] += x0
    best[:, 1] += y0
    return best


def _distinct(faces: list[np.ndarray]) -> list[np.ndarray]:
    """One entry per person: tiles overlap, so the same face is found more than once."""
    kept: list[np.ndarray] = []
    for face in sorted(faces, key=_width, reverse=True):
        c = face[:, :2].mean(axis=0)
        if all(np.hypot(*(c - k[:, :2].mean(axis=0))) > 0.5 * _width(k) for k in kept):
            kept.append(face)
    return kept


def detect_faces(image: np.ndarray, model: Path) -> list[np.ndarray]:
    """All faces as ``[478, 3]`` arrays (x, y in pixels, z in pixels of image width), largest first.

    Small faces that the whole-photo pass misses are searched in tiles and refined on a crop."""
    faces = _detect_once(image, model)
    if not faces:
        faces = [_refine(image, f, model) for f in _distinct(_tile_search(image, model))]
    return sorted(_distinct(faces), key=_width, reverse=True)
