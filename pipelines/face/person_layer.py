"""The animated person's layer: how much each pixel belongs to the person whose face is animated.

The person matte holds every person in the photo; the layer keeps the one under the chosen face
(its connected part, inside a window around the face that stops short of other faces), always
holds the face itself, and is exactly 0 wherever it is weaker than ``LAYER_FLOOR``, so those
pixels are background and are copied from the photo, bit for bit, in every frame.
"""
from __future__ import annotations

import numpy as np

from ..common.easing import smoothstep

LAYER_FLOOR = 1 / 64  # layer below this is background
# The segmenter's edge is soft over a few per cent of the photo where person and background have
# little contrast; the layer's edge is this stretch of the matte, so faint tails stay background.
EDGE_LOW, EDGE_HIGH = 0.15, 0.9
WINDOW_HALF_WIDTH = 2.0  # face widths either side of the face centre this person may reach beside others
WINDOW_FEATHER = 0.4  # face widths over which the window fades out
OTHER_FACE_GAP = 0.1  # face widths the window keeps clear of another person's face
CONNECT_GROW = 0.02  # of the photo's long side: soft matte edges this close to the person belong to it


def _window(shape: tuple[int, int], face: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """``[W]`` weight per column: with other faces in the photo, 1 near the face and 0 beyond the
    shoulders' reach or near another face; alone, 1 everywhere."""
    if not others:
        return np.ones(shape[1], np.float32)
    fw = float(np.ptp(face[:, 0]))
    cx = float(face[:, 0].min() + face[:, 0].max()) / 2
    left = right = WINDOW_HALF_WIDTH * fw
    for other in others:
        x0, x1 = float(other[:, 0].min()), float(other[:, 0].max())
        if x0 > cx:
            right = min(right, x0 - cx - OTHER_FACE_GAP * fw)
        elif x1 < cx:
            left = min(left, cx - x1 - OTHER_FACE_GAP * fw)
    xs = np.arange(shape[1], dtype=np.float32) + 0.5
    feather = WINDOW_FEATHER * fw
    reach = np.where(xs < cx, left, right)
    return smoothstep((reach - np.abs(xs - cx)) / feather).astype(np.float32)


def _connected_to_face(matte: np.ndarray, face: np.ndarray) -> np.ndarray:
    """Pixels of the matte's parts (above one half) that touch the face, grown a little for soft edges."""
    from scipy.ndimage import binary_dilation, label

    labels, _ = label(matte > 0.5)
    h, w = matte.shape
    xs = np.clip(face[:, 0].astype(int), 0, w - 1)
    ys = np.clip(face[:, 1].astype(int), 0, h - 1)
    touching = np.unique(labels[ys, xs])
    keep = np.isin(labels, touching[touching > 0])
    return binary_dilation(keep, iterations=max(1, int(CONNECT_GROW * max(h, w))))


def solid_person(matte: np.ndarray) -> np.ndarray:
    """The matte stretched over EDGE_LOW..EDGE_HIGH: the layer's edge, before any person is chosen."""
    return smoothstep((matte - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW)).astype(np.float32)


def person_layer(matte: np.ndarray, face: np.ndarray, others: list[np.ndarray],
                 face_region: np.ndarray) -> np.ndarray:
    """``[H, W]`` float32 0..1: the animated person (``face``: its landmarks; ``others``: other faces'
    landmarks; ``face_region``: a weight that must move whatever the matte says, e.g. the face oval)."""
    layer = solid_person(matte) * _window(matte.shape, face, others)[None, :] * _connected_to_face(matte, face)
    layer = np.maximum(layer, face_region)
    layer[layer < LAYER_FLOOR] = 0.0
    return layer.astype(np.float32)
