"""A new background behind the person: the photo's person composited over another picture by the
person matte, before anything is animated (Load Portrait's ``background`` option)."""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError


def fitted(background: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``background`` (uint8 RGB) scaled to cover ``size`` (width, height) and cut to it, centred."""
    from PIL import Image

    width, height = size
    h, w = background.shape[:2]
    if min(h, w) < 2:
        raise InputError(f"the background image is {w}x{h} px; give a picture at least as large as a thumbnail.")
    scale = max(width / w, height / h)
    resized = np.asarray(Image.fromarray(background).resize((max(width, round(w * scale)), max(height, round(h * scale))),
                                                             Image.LANCZOS))
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])


def over_background(image: np.ndarray, matte: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The person of ``image`` over ``background`` (any size), and that background fitted to the photo,
    which is then the clean plate: nothing of the old background is left to uncover."""
    plate = fitted(background, (image.shape[1], image.shape[0]))
    alpha = matte[..., None]
    composite = image.astype(np.float32) * alpha + plate.astype(np.float32) * (1 - alpha)
    return np.clip(composite + 0.5, 0, 255).astype(np.uint8), plate
