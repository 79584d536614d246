"""Head pose seen on rendered frames: solvePnP of the rigid landmarks, relative to the first frame."""
from __future__ import annotations

import numpy as np


def head_pose(rigid_points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Yaw, pitch, roll in degrees relative to the first frame, ``[n, 3]`` (signs as in
    MotionGenerator's tracks): solvePnP of each frame's 2-D rigid points against the first
    frame's 3-D landmarks (a pinhole camera)."""
    import cv2

    w, h = size
    focal = float(max(w, h))
    camera = np.array([[focal, 0, w / 2], [0, focal, h / 2], [0, 0, 1]], np.float64)
    first = next((p for p in rigid_points if np.isfinite(p).all()), None)
    angles = np.full((len(rigid_points), 3), np.nan)
    if first is None:
        return angles
    model = first.astype(np.float64).copy()
    model[:, :2] -= [w / 2, h / 2]
    model[:, 2] += focal  # the face at the distance where the pinhole reproduces the first frame
    model *= 1.0 / focal
    rotations = []
    rvec, tvec = np.zeros((3, 1)), np.zeros((3, 1))  # the first frame's pose; each frame starts from the last
    for pts in rigid_points:
        if not np.isfinite(pts).all():
            rotations.append(None)
            continue
        ok, r, t = cv2.solvePnP(model, pts[:, :2].astype(np.float64), camera, None, rvec.copy(), tvec.copy(),
                                useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
        if ok:
            rvec, tvec = r, t
        rotations.append(cv2.Rodrigues(r)[0] if ok else None)
    base = next(r for r in rotations if r is not None)
    for i, rot in enumerate(rotations):
        if rot is None:
            continue
        rel = rot @ base.T
        yaw = np.degrees(np.arcsin(np.clip(rel[2, 0], -1, 1)))  # the sign MotionGenerator uses
        pitch = np.degrees(np.arctan2(rel[2, 1], rel[2, 2]))
        roll = np.degrees(np.arctan2(rel[1, 0], rel[0, 0]))
        angles[i] = (yaw, pitch, roll)
    return angles
