"""Glasses' rims: found around each eye and lifted off the face, so that the renderer moves them as
one rigid piece with the head while the skin behind them moves with the expression.

A 2-D warp carries everything the photo shows with the skin under it: a blink drew the rim above
the eye down with the lid fold and a smile bent the one below it up with the cheek, like wire.

A rim is a thin line, darker or lighter than what surrounds it, that runs all the way round the
eye at about an eye's width from its centre. Along each ray from the eye's centre the strongest
thin line is taken, the rays' choices joined into the smoothest strongest closed loop (dynamic
programming over the angle), and the loop is a rim only if below the eye, where skin is smooth
and brows are far, it stands out of its ray's other lines RIM_CONTRAST times or more on
RIM_COVERAGE of the rays, around both eyes. Tried on eight faces without glasses (colour,
grayscale, painted, a group photo's six): below the eye they stood out 1.3 times at most; the
filmed face behind glasses 2.3 and 2.8.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import regions as fr

N_RAYS = 72
# Where a rim may lie: radii in eye widths along the eye (across it, RIM_ACROSS as far: lenses are
# wider than tall), from just outside the eye's corners to well past them.
RIM_RADII = np.linspace(0.5, 1.6, 45)
RIM_ACROSS = 0.8
LINE_WIDTH = 0.05  # face widths: the widest line the line filter sees (a thick plastic frame)
# A ray's line stands out this many times its ray's other lines (their median, plus a floor of
# RAY_FLOOR grey levels so that flat skin does not make noise stand out) ...
RIM_CONTRAST, RAY_FLOOR = 2.0, 2.0
RIM_COVERAGE = 0.8  # ... on at least this share of the rays below the eye
BELOW = 0.3  # rays "below the eye": sine of their angle (image y down) above this
BAND = 0.03  # face widths: the rim's pixels lie within this band around the loop
FILL = 3  # px: the inpainting's reach


@dataclass(frozen=True)
class Rims:
    """The rims of a pair of glasses in a box of the photo: ``box`` ``x0, y0, x1, y1`` (photo
    pixels), ``alpha`` ``[h, w]`` float32 0..1 (how much of each pixel is rim) and ``fill``
    ``[h, w, 3]`` uint8 (the box with the rims inpainted away: the skin behind them)."""

    box: tuple[int, int, int, int]
    alpha: np.ndarray
    fill: np.ndarray


def _eye_frame(lm: np.ndarray, corners: tuple[int, int]) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """The eye's centre, width (px) and unit vectors along (left to right in the image) and across."""
    a, b = lm[corners[0]], lm[corners[1]]
    if a[0] > b[0]:
        a, b = b, a
    width = float(np.linalg.norm(b - a))
    along = (b - a) / max(width, 1e-6)
    return (a + b) / 2, width, along, np.array([-along[1], along[0]])


def _thin_lines(gray: np.ndarray, face_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, how much darker and how much lighter it is than what a line filter of LINE_WIDTH
    fills in (morphological black- and top-hat): thin lines stand out, broad shading does not."""
    import cv2

    size = max(3, int(LINE_WIDTH * face_width) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel), cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)


def _closed_path(profile: np.ndarray) -> np.ndarray:
    """Per ray (rows of ``profile`` ``[rays, radii]``), the radius index of the closed loop whose
    strength summed over the rays is greatest, moving at most one radius step from ray to ray."""
    rays, radii = profile.shape
    steps = np.array([-1, 0, 1])
    best_total, best = -np.inf, np.zeros(rays, int)
    for start in range(0, radii, 3):  # the loop's radius at the first ray, every third tried
        score = np.full(radii, -np.inf)
        score[start] = profile[0, start]
        came_from = np.zeros((rays, radii), int)
        for ray in range(1, rays):
            candidates = np.full((len(steps), radii), -np.inf)
            for k, s in enumerate(steps):
                lo, hi = max(0, s), radii + min(0, s)
                candidates[k, lo:hi] = score[lo - s:hi - s]
            choice = candidates.argmax(0)
            came_from[ray] = np.arange(radii) - steps[choice]
            score = candidates.max(0) + profile[ray]
        closes = np.where(np.abs(np.arange(radii) - start) <= 1, score, -np.inf)
        if closes.max() > best_total:
            path = [int(closes.argmax())]
            for ray in range(rays - 1, 0, -1):
                path.append(came_from[ray, path[-1]])
            best_total, best = closes.max(), np.array(path[::-1])
    return best


def _rim_loop(strength: np.ndarray, centre: np.ndarray, width: float, along: np.ndarray,
              across: np.ndarray) -> np.ndarray | None:
    """The loop ``[N_RAYS, 2]`` (pixels of ``strength``) of a rim around this eye, or None when no
    rim stands out below the eye."""
    import cv2

    angles = np.linspace(0, 2 * np.pi, N_RAYS, endpoint=False)
    rays = (np.cos(angles)[:, None, None] * along + RIM_ACROSS * np.sin(angles)[:, None, None] * across)
    points = centre + width * RIM_RADII[None, :, None] * rays
    profile = cv2.remap(strength, points[..., 0].astype(np.float32), points[..., 1].astype(np.float32),
                        cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    path = _closed_path(profile)
    peak = profile[np.arange(N_RAYS), path]
    others = np.array([np.median(np.delete(row, np.s_[max(0, k - 4):k + 5])) for row, k in zip(profile, path)])
    below = np.sin(angles) > BELOW
    if np.mean(peak[below] >= RIM_CONTRAST * (others[below] + RAY_FLOOR)) < RIM_COVERAGE:
        return None
    return points[np.arange(N_RAYS), path]


def find_rims(image: np.ndarray, landmarks: np.ndarray, face_width: float) -> Rims | None:
    """The rims of the glasses on the face with ``landmarks`` (``[478, 2+]`` photo pixels) in
    ``image`` (``[H, W, 3]`` uint8), or None when no rim stands out round both eyes."""
    import cv2

    lm = landmarks[:, :2].astype(np.float64)
    frames = [_eye_frame(lm, corners) for corners in (fr.RIGHT_EYE_CORNERS, fr.LEFT_EYE_CORNERS)]
    reach = max(RIM_RADII[-1] * w for _, w, _, _ in frames) + BAND * face_width + 2 * FILL
    h, w = image.shape[:2]
    centres = np.array([c for c, _, _, _ in frames])
    x0, y0 = (max(0, int(v)) for v in centres.min(0) - reach)
    x1, y1 = min(w, int(np.ceil(centres[:, 0].max() + reach))), min(h, int(np.ceil(centres[:, 1].max() + reach)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    box = np.ascontiguousarray(image[y0:y1, x0:x1])
    gray = cv2.cvtColor(box, cv2.COLOR_RGB2GRAY).astype(np.float32)
    darker, lighter = _thin_lines(gray, face_width)
    strength = np.maximum(darker, lighter)
    band = np.zeros(strength.shape, np.uint8)
    for centre, width, along, across in frames:
        loop = _rim_loop(strength, centre - (x0, y0), width, along, across)
        if loop is None:
            return None
        cv2.polylines(band, [np.round(loop * 16).astype(np.int32)], True, 255,
                      max(3, int(round(BAND * face_width))), cv2.LINE_8, 4)
    # Rims are darker than the skin (or, polished, lighter): only what differs that way is rim. A
    # pixel of the other kind in the band (the bright edge of a cheek against a dark background)
    # would, lifted off with the rim, slide over the face as a streak.
    in_band = band > 0
    sign = 1.0 if darker[in_band].sum() >= lighter[in_band].sum() else -1.0
    hole = cv2.dilate((in_band & ((darker if sign > 0 else lighter) > 0)).astype(np.uint8) * 255,
                      np.ones((3, 3), np.uint8))
    fill = cv2.inpaint(box, hole, FILL, cv2.INPAINT_TELEA)
    differs = sign * (cv2.cvtColor(fill, cv2.COLOR_RGB2GRAY).astype(np.float32) - gray) * (hole > 0)
    if not (differs > 0).any():
        return None
    # A pixel is rim by how far it differs from the skin filled in behind it, against the rim's
    # own typical difference: skin in the band is nearly its fill and stays with the skin.
    typical = float(np.percentile(differs[differs > 0], 75))
    alpha = np.clip(differs / typical, 0, 1).astype(np.float32)
    rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1  # the box shrunk to the rims
    return Rims((x0 + c0, y0 + r0, x0 + c1, y0 + r1), alpha[r0:r1, c0:c1], fill[r0:r1, c0:c1])
