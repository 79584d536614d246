"""Glasses' rims: found around each eye and lifted off the face, so that the renderer moves them as
one rigid piece with the head while the skin behind them moves with the expression.

A 2-D warp carries everything the photo shows with the skin under it: a blink drew the rim above
the eye down with the lid fold and a smile bent the one below it up with the cheek, like wire.

A rim is a thin line, darker, lighter or another colour than what surrounds it, that runs all the
way round the eye at about an eye's width from its centre. Along each ray from the eye's centre
the strongest thin line is taken, the rays' choices joined into the smoothest strongest closed loop
(dynamic programming over the angle), and the loop is a rim only if below the eye, where skin is
smooth and brows are far, it stands out of its ray's other lines RIM_CONTRAST times or more on
RIM_COVERAGE of the rays, around both eyes. On ten faces without glasses (colour, painted,
filmed, a group photo's six) such a line stood out on at most 0.48 of an eye's rays below it; on
the filmed face behind glasses, on 0.9.
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
# Face widths: the widest line the line filter sees, tried in turn: a metal rim, then a thick plastic
# frame (the wider filter also sees more of the skin's shading, and missed the filmed metal rims).
LINE_WIDTHS = (0.05, 0.09)
# A ray's line stands out this many times its ray's other lines (their median, plus a floor of
# RAY_FLOOR grey levels so that flat skin does not make noise stand out) ...
RIM_CONTRAST, RAY_FLOOR = 2.0, 2.0
RIM_COVERAGE = 0.8  # ... on at least this share of the rays below the eye
BELOW = 0.3  # rays "below the eye": sine of their angle (image y down) above this
BAND = 0.03  # face widths (3 px at least): the least width of the band the rim's pixels lie in
EDGE_RISE = 0.15  # of the line's strength: across a thick frame it may rise this much (noise), no more
FILL = 3  # px: the inpainting's least reach
WORK_FACE = 256  # px: faces wider are searched at this width
EYE_CLEAR = 1.3  # the eye's outline grown this much about its centre is never rim
RIM_COLOUR = 8.0  # levels: the least difference between the rim's colour and the skin behind it


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


def _thin_lines(image: np.ndarray, size: int) -> np.ndarray:
    """Per pixel of an ``[h, w, 3]`` float32 image, how much darker or lighter it is, in the channel
    where it is most, than what a line filter ``size`` px wide fills in (morphological black- and
    top-hat): thin lines stand out, broad shading does not. Per channel, so that a gold rim as
    light as the skin it lies on still stands out (by its blue)."""
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    darker = cv2.morphologyEx(image, cv2.MORPH_BLACKHAT, kernel)
    lighter = cv2.morphologyEx(image, cv2.MORPH_TOPHAT, kernel)
    return np.maximum(darker, lighter).max(axis=2)


def _closed_path(profile: np.ndarray) -> np.ndarray:
    """Per ray (rows of ``profile`` ``[rays, radii]``), the radius index of the closed loop whose
    strength summed over the rays is greatest, moving at most one radius step from ray to ray."""
    rays, radii = profile.shape
    starts = np.arange(0, radii, 3)  # the loop's radius at the first ray, every third tried at once
    steps = np.array([-1, 0, 1])
    score = np.full((len(starts), radii), -np.inf)
    score[np.arange(len(starts)), starts] = profile[0, starts]
    came_from = np.zeros((rays, len(starts), radii), int)
    for ray in range(1, rays):
        candidates = np.full((len(steps), len(starts), radii), -np.inf)
        for k, s in enumerate(steps):
            lo, hi = max(0, s), radii + min(0, s)
            candidates[k, :, lo:hi] = score[:, lo - s:hi - s]
        choice = candidates.argmax(0)
        came_from[ray] = np.arange(radii) - steps[choice]
        score = candidates.max(0) + profile[ray]
    closes = np.where(np.abs(np.arange(radii)[None] - starts[:, None]) <= 1, score, -np.inf)
    start, end = np.unravel_index(int(closes.argmax()), closes.shape)
    path = [int(end)]
    for ray in range(rays - 1, 0, -1):
        path.append(came_from[ray, start, path[-1]])
    return np.array(path[::-1])


def _rim_loop(strength: np.ndarray, centre: np.ndarray, width: float, along: np.ndarray,
              across: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rim around this eye, as loops ``[N_RAYS, 2]`` (pixels of ``strength``) along its
    strongest line and along its inner and outer edges (where, along each ray, the line falls
    below half its strength or rises into another: a thick frame's line is strong across all its
    width, and its loop may run near one edge), or None when no rim stands out below the eye."""
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
    inner, outer = path.copy(), path.copy()
    for ray, row in enumerate(profile):
        def goes_on(k: int, step: int) -> bool:  # still this line: strong, and not rising into another
            return (0 <= k + step < len(row) and row[k + step] >= peak[ray] / 2
                    and row[k + step] <= row[k] + EDGE_RISE * peak[ray])
        while goes_on(inner[ray], -1):
            inner[ray] -= 1
        while goes_on(outer[ray], 1):
            outer[ray] += 1
    # Above the eye a rim may lie on the brow, whose hairs run on from it: no ray's edges lie
    # farther from the loop than the rim is thick below the eye.
    step = width * np.diff(RIM_RADII).mean() * np.linalg.norm(rays[:, 0], axis=1)  # px per radius step
    thick = float(np.median(((outer - inner + 1) * step)[below]))
    most = np.maximum(0, np.floor(thick / step)).astype(int)
    inner, outer = np.maximum(inner, path - most), np.minimum(outer, path + most)
    at = lambda index: points[np.arange(N_RAYS), index]
    return at(path), at(inner), at(outer)


def _rims_at(box: np.ndarray, lm: np.ndarray,
             face_width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """In ``box`` (``[h, w, 3]`` uint8, with the face's landmarks ``lm`` in its pixels): where the rims
    lie (``[h, w]`` uint8 mask, 255 inside), the box with them inpainted away, the rim's colour
    against that fill (a unit vector) and how far along it a solid rim pixel lies; or None."""
    import cv2

    frames = [_eye_frame(lm, corners) for corners in (fr.RIGHT_EYE_CORNERS, fr.LEFT_EYE_CORNERS)]
    for line_width in LINE_WIDTHS:
        size = max(3, int(line_width * face_width) | 1)
        strength = _thin_lines(box.astype(np.float32), size)
        loops = []
        for centre, width, along, across in frames:
            loop = _rim_loop(strength, centre, width, along, across)
            if loop is None:
                break
            loops.append(loop)
        if len(loops) == len(frames):
            break
    else:
        return None
    band = np.zeros(strength.shape, np.uint8)  # between each rim's edges, and at least BAND wide
    ring = np.zeros_like(band)
    as_px = lambda loop: [np.round(loop * 16).astype(np.int32)]
    for middle, inner, outer in loops:
        ring[:] = 0
        cv2.fillPoly(ring, as_px(outer), 255, cv2.LINE_8, 4)
        cv2.fillPoly(ring, as_px(inner), 0, cv2.LINE_8, 4)
        band |= ring
        cv2.polylines(band, as_px(middle), True, 255, max(3, round(BAND * face_width)), cv2.LINE_8, 4)
    # Never the eyes: a thick frame's edge runs on into the lashes along some rays, and lashes
    # lifted off with the rims would stay open over a closing lid.
    for upper, lower, corners in ((fr.RIGHT_UPPER_LID, fr.RIGHT_LOWER_LID, fr.RIGHT_EYE_CORNERS),
                                  (fr.LEFT_UPPER_LID, fr.LEFT_LOWER_LID, fr.LEFT_EYE_CORNERS)):
        eye = lm[list(upper + lower + corners)]
        centre = eye.mean(axis=0)
        cv2.fillPoly(band, as_px(centre + EYE_CLEAR * (cv2.convexHull(eye.astype(np.float32))[:, 0] - centre)), 0,
                     cv2.LINE_8, 4)
    in_band = band > 0
    hole = cv2.dilate(band, np.ones((5, 5), np.uint8))  # and the line's soft edges
    fill = cv2.inpaint(box, hole, max(FILL, size // 2), cv2.INPAINT_TELEA)
    # The rim's colour against the skin filled in behind it, where the line is strongest: a pixel is
    # rim by how far it differs from its fill that way, against what most of the rim's core differs
    # (a darker rim over bright skin is solid, or the skin left under it is the rim's colour). Skin in
    # the band is nearly its fill and stays with the skin, and a pixel that differs another way (the
    # bright edge of a cheek against a dark background) would, lifted off with the rim, slide over
    # the face as a streak.
    offset = box.astype(np.float32) - fill.astype(np.float32)
    core = in_band & (strength >= np.percentile(strength[in_band], 75))
    way = offset[core].mean(axis=0)
    if np.linalg.norm(way) < RIM_COLOUR:
        return None
    way /= np.linalg.norm(way)
    solid = float(np.percentile((offset @ way)[core], 25))
    return (hole, fill, way, solid) if solid > 0 else None


def find_rims(image: np.ndarray, landmarks: np.ndarray, face_width: float) -> Rims | None:
    """The rims of the glasses on the face with ``landmarks`` (``[478, 2+]`` photo pixels) in
    ``image`` (``[H, W, 3]`` uint8), or None when no rim stands out round both eyes. A face wider
    than WORK_FACE px is searched at that width (the line filters' cost grows with the square of
    their width: a 2000 px face took a minute); the rims' edges are then taken at full size."""
    import cv2

    lm = landmarks[:, :2].astype(np.float64)
    widths = [_eye_frame(lm, corners)[1] for corners in (fr.RIGHT_EYE_CORNERS, fr.LEFT_EYE_CORNERS)]
    scale = max(1.0, face_width / WORK_FACE)
    reach = RIM_RADII[-1] * max(widths) + max(3, BAND * face_width) + 2 * FILL * scale
    h, w = image.shape[:2]
    centres = lm[list(fr.RIGHT_EYE_CORNERS + fr.LEFT_EYE_CORNERS)]
    x0, y0 = (max(0, int(v)) for v in centres.min(0) - reach)
    x1, y1 = min(w, int(np.ceil(centres[:, 0].max() + reach))), min(h, int(np.ceil(centres[:, 1].max() + reach)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    box = np.ascontiguousarray(image[y0:y1, x0:x1])
    small_hw = (max(8, round((y1 - y0) / scale)), max(8, round((x1 - x0) / scale)))
    small = box if scale == 1.0 else cv2.resize(box, small_hw[::-1], interpolation=cv2.INTER_AREA)
    to_small = (np.array(small_hw[::-1]) / (x1 - x0, y1 - y0))
    found = _rims_at(small, (lm - (x0, y0) + 0.5) * to_small - 0.5, face_width * float(to_small.mean()))
    if found is None:
        return None
    hole, fill, way, solid = found
    if small is not box:
        grown = cv2.dilate(hole, np.ones((3, 3), np.uint8))  # the rim's edges may lie a small pixel out
        hole = cv2.resize(grown, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        fill = np.where(hole[..., None] > 0, cv2.resize(fill, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR), box)
    differs = (box.astype(np.float32) - fill.astype(np.float32)) @ way.astype(np.float32)
    alpha = (np.clip(differs / solid, 0, 1) * (hole > 0)).astype(np.float32)
    rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
    if not rows.size:
        return None
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1  # the box shrunk to the rims
    return Rims((x0 + c0, y0 + r0, x0 + c1, y0 + r1), alpha[r0:r1, c0:c1], np.ascontiguousarray(fill[r0:r1, c0:c1]))
