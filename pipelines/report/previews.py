"""Small pictures for people: the landmark overlay of a portrait and a plot of motion curves."""
from __future__ import annotations

import numpy as np

from ..mouth.features import Features
from ..motion.head import Motion
from ..face.portrait import Portrait

PLOT_COLOURS = {"yaw": (230, 80, 60), "pitch": (60, 160, 230), "roll": (90, 200, 90),
                "gaze_x": (40, 90, 200), "blink_l": (200, 120, 220), "brow_raise": (240, 190, 40),
                "brow_frown": (120, 80, 40), "smile": (230, 120, 150), "breath": (40, 170, 170),
                "sway": (150, 110, 60)}


def _dot(img: np.ndarray, x: float, y: float, colour: tuple[int, int, int], r: int = 1) -> None:
    """A square dot, clipped to the image (a dot beyond its left or top edge draws nothing: a negative
    slice end would count from the far edge and paint a whole band)."""
    h, w = img.shape[:2]
    xi, yi = int(round(x)), int(round(y))
    img[max(0, yi - r):max(0, min(h, yi + r + 1)), max(0, xi - r):max(0, min(w, xi + r + 1))] = colour


def portrait_overlay(portrait: Portrait) -> np.ndarray:
    """The photo with everything that stays still darkened (the background, and other people: what
    the animated person's layer leaves out), the landmarks (green), the region that turns with the
    head (yellow), the crop that is rendered (blue), the glasses' rims where found (magenta) and the
    portrait's notes at its foot."""
    shade = 0.4 + 0.6 * portrait.layer[..., None]
    img = (portrait.image * shade + 0.5).astype(np.uint8)
    if portrait.rims is not None:
        x0, y0, x1, y1 = portrait.rims.box
        rim = portrait.rims.alpha[..., None]
        img[y0:y1, x0:x1] = (img[y0:y1, x0:x1] * (1 - rim) + rim * np.array([255, 0, 255]) + 0.5).astype(np.uint8)
    r = max(1, int(portrait.face_width / 150))
    for x, y, _ in portrait.landmarks:
        _dot(img, x, y, (0, 255, 0), r)
    cx, cy = portrait.region_center
    rx, ry = portrait.region_radii
    for a in np.linspace(0, 2 * np.pi, 720):
        _dot(img, cx + rx * np.cos(a), cy + ry * np.sin(a), (255, 220, 0), r)
    x0, y0, x1, y1 = portrait.crop
    img[y0:y1, [x0, x1 - 1]] = (60, 120, 255)
    img[[y0, y1 - 1], x0:x1] = (60, 120, 255)
    _write_notes(img, portrait.notes)
    return img


def _write_notes(img: np.ndarray, notes: list[str]) -> None:
    """The portrait's notes written across the foot of ``img`` (in place), white on a darkened band:
    in ComfyUI the preview is where a user sees what the command line prints."""
    import cv2

    if not notes:
        return
    h, w = img.shape[:2]
    scale = max(0.35, w / 1600)
    thick = max(1, round(1.5 * scale))
    font = cv2.FONT_HERSHEY_SIMPLEX
    width = lambda text: cv2.getTextSize(text, font, scale, thick)[0][0]
    lines: list[str] = []
    for note in notes:
        line = "!"
        for word in note.replace("°", " deg").split():
            if width(f"{line} {word}") > w - 8 and line != "!":
                lines.append(line)
                line = " "
            line = f"{line} {word}"
        lines.append(line)
    step = cv2.getTextSize("Ag", font, scale, thick)[0][1] * 2
    top = max(0, h - step * len(lines) - step // 2)
    img[top:] //= 3
    for k, line in enumerate(lines):
        cv2.putText(img, line, (4, top + step * (k + 1) - step // 4), font, scale, (255, 255, 255), thick, cv2.LINE_AA)


def motion_plot(motion: Motion, features: Features | None = None, width: int = 900,
                row_height: int = 90) -> np.ndarray:
    """Rows of curves over time (yaw, pitch, roll, gaze, blink, brows, smile, breath, sway: those
    that move or hold a level) above the speech activity."""
    names = [n for n in PLOT_COLOURS if n in motion.channels and motion.channels[n].any()]
    rows = len(names) + (1 if features is not None else 0)
    img = np.full((rows * row_height, width, 3), 250, np.uint8)
    x = np.linspace(0, motion.n_frames - 1, width)

    def draw(row: int, values: np.ndarray, colour: tuple[int, int, int]) -> None:
        v = np.interp(x, np.arange(len(values)), values)
        span = max(1e-6, float(np.abs(v).max()))
        lo, hi = (0.0, span) if v.min() >= 0 else (-span, span)
        top = row * row_height + 5
        ys = top + (row_height - 10) * (1 - (v - lo) / (hi - lo))
        img[row * row_height, :] = 200
        for xi in range(width):  # vertical segment to the next sample keeps the line connected
            a, b = sorted((ys[xi], ys[min(xi + 1, width - 1)]))
            img[int(a):int(b) + 1, xi] = colour

    for i, name in enumerate(names):
        draw(i, motion.channels[name], PLOT_COLOURS[name])
    if features is not None:
        draw(len(names), features.loudness * features.voice_activity, (120, 120, 120))
    return img
