"""The inside of the mouth takes its colours from the photo: on a grayscale "old photo" it stays gray,
on a sepia one it stays sepia (measured inside the open mouth, found by re-detecting the inner lips
on the rendered frame)."""
from __future__ import annotations

import numpy as np
import pytest

from talking_photo.pipelines.common.channels import DRAWN
from talking_photo.pipelines.common.luma import luma
from talking_photo.pipelines.face import regions as fr
from talking_photo.pipelines.face.landmarks import detect_faces, find_model
from talking_photo.pipelines.face.portrait import analyze_portrait
from talking_photo.pipelines.render.renderer import Renderer


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """Cb and Cr (BT.601, levels around 0) of ``[N, 3]`` uint8 colours."""
    import cv2

    ycc = cv2.cvtColor(rgb[None].astype(np.uint8), cv2.COLOR_RGB2YCrCb)[0].astype(np.float64)
    return ycc[:, [2, 1]] - 128.0


def _open_mouth(image: np.ndarray) -> np.ndarray:
    """The pixels inside the inner lips of a frame rendered with the jaw wide open, ``[N, 3]``."""
    import cv2

    tracks = {c: np.zeros(1, np.float32) for c in DRAWN}
    tracks["jaw_open"][:] = 1.0
    frame = Renderer(analyze_portrait(image)).render(tracks).numpy()[0]
    lm = detect_faces(np.ascontiguousarray(frame), find_model())[0]
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(lm[list(fr.INNER_UPPER) + list(fr.INNER_LOWER[::-1]), :2]).astype(np.int32)], 1)
    inside = cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
    assert inside.sum() > 40, "the mouth did not open"
    return frame[inside]


@pytest.mark.parametrize("tint", ["gray", "sepia"])
def test_the_mouth_keeps_the_photos_tint(astronaut, tint):
    gray = luma(astronaut)
    toning = np.array([1.0, 1.0, 1.0]) if tint == "gray" else np.array([1.07, 0.87, 0.62])
    photo = np.clip(gray[..., None] * toning, 0, 255).astype(np.uint8)
    photo_chroma = _chroma(photo.reshape(-1, 3))
    inside = _chroma(_open_mouth(photo))
    if tint == "gray":
        assert np.hypot(*inside.T).mean() <= np.hypot(*photo_chroma.T).mean() + 3.0
    else:  # the same hue as the photo's, not a painted pink or white
        mean_in, mean_photo = inside.mean(0), photo_chroma.mean(0)
        cos = mean_in @ mean_photo / (np.linalg.norm(mean_in) * np.linalg.norm(mean_photo))
        assert cos > 0.9, (mean_in, mean_photo)
