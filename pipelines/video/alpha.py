"""The person without the photo's background: frames keyed by the moved person matte, as RGBA for a
transparent video, or over a colour or a picture (post-production's "background removed")."""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``rrggbb``) → an RGB triple."""
    digits = text.strip().lstrip("#")
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise InputError(f"background colour {text!r} is not a colour; write it as #rrggbb, e.g. #00ff00 for green.")
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


def matte_for(frames: np.ndarray, matte: np.ndarray, start: int) -> np.ndarray:
    """The ``[B, H, W]`` float32 matte for a batch of frames starting at frame ``start`` (a single
    mask serves every frame)."""
    matte = np.asarray(matte, np.float32)
    if matte.ndim == 2:
        matte = matte[None]
    if matte.shape[1:] != frames.shape[1:3]:
        raise InputError(f"the mask is {matte.shape[2]}x{matte.shape[1]} but the frames are "
                         f"{frames.shape[2]}x{frames.shape[1]}; connect the mask made with these frames "
                         "(Lip Sync's person_matte).")
    if len(matte) == 1:
        return np.broadcast_to(matte, (len(frames), *matte.shape[1:]))
    if start + len(frames) > len(matte):
        raise InputError(f"the mask has {len(matte)} frames but the images have more; connect the mask made "
                         "with these frames (Lip Sync's person_matte).")
    return matte[start:start + len(frames)]


def with_alpha(frames: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """uint8 ``[B, H, W, 4]``: the frames with the matte as their alpha."""
    alpha = (np.clip(matte, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.concatenate([frames, alpha[..., None]], axis=-1)


def over(frames: np.ndarray, matte: np.ndarray, background: np.ndarray) -> np.ndarray:
    """uint8 ``[B, H, W, 3]``: the person over ``background`` (an RGB colour, or a picture the frames' size)."""
    a = np.clip(matte, 0.0, 1.0)[..., None]
    back = np.asarray(background, np.float32)
    out = frames.astype(np.float32) * a + back * (1.0 - a)
    return (out + 0.5).astype(np.uint8)
