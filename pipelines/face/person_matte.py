"""The person matte: how much each pixel of the photo belongs to the person (face, hair, hat, ears,
neck, shoulders) rather than the background, 0..1 at the photo's full resolution.

MediaPipe's selfie segmentation gives a soft, coarse mask (its network sees 256 px); a guided
filter with the photo as guide snaps that mask to the photo's own edges, so hair strands and hat
brims follow the pixels instead of a blurred outline. When the person is small in a large frame
(a 4K landscape), the network sees them at a few dozen pixels and its outline swallows the
background beside them: the person around the face is then segmented again from a crop.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..common import models
from ..common.luma import luma
from . import mediapipe_tasks

GUIDE_RADIUS = 0.008  # of the photo's long side: edges within this distance snap to the photo's
GUIDE_EPS = 1e-3  # guided-filter smoothing (guide in 0..1): lower follows weaker edges
# The crop around a face that is segmented again: face widths either side and above, face heights
# below (the torso); only worth it when the crop is well under the photo's size.
CROP_SIDES, CROP_ABOVE, CROP_BELOW, CROP_WORTH = 3.0, 1.5, 5.0, 0.5
CROP_FEATHER = 0.08  # of the crop's size: the crop's matte fades into the whole photo's at its inner edges


def _create_segmenter(model: Path):
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.ImageSegmenterOptions(base_options=BaseOptions(model_asset_path=str(model)),
                                           output_confidence_masks=True, output_category_mask=False)
    return vision.ImageSegmenter.create_from_options(options)


def coarse_person_mask(image: np.ndarray, search_dirs: Sequence[str] = ()) -> np.ndarray:
    """The segmentation model's person confidence, ``[H, W]`` float32 0..1 at the photo's size."""
    import mediapipe as mp

    model = models.find_model(models.PERSON_SEGMENTER, search_dirs)
    picture = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
    result = mediapipe_tasks.run(f"segmenter:{model}", lambda: _create_segmenter(model),
                                 lambda segmenter: segmenter.segment(picture))
    return np.clip(result.confidence_masks[0].numpy_view()[..., 0], 0.0, 1.0).astype(np.float32)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a gray guide: ``source`` made locally linear in ``guide``."""
    from scipy.ndimage import uniform_filter

    size = 2 * radius + 1
    box = lambda x: uniform_filter(x, size, mode="reflect")
    mean_i, mean_p = box(guide), box(source)
    var_i = box(guide * guide) - mean_i * mean_i
    cov_ip = box(guide * source) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box(a) * guide + box(b)


def _with_close_look(image: np.ndarray, coarse: np.ndarray, face_box: tuple[int, int, int, int],
                     search_dirs: Sequence[str]) -> np.ndarray:
    """The mask with the person around ``face_box`` segmented again from a crop, blended in."""
    h, w = coarse.shape
    x0, y0, x1, y1 = face_box
    fw, fh = x1 - x0, y1 - y0
    cx0, cx1 = max(0, int(x0 - CROP_SIDES * fw)), min(w, int(x1 + CROP_SIDES * fw))
    cy0, cy1 = max(0, int(y0 - CROP_ABOVE * fh)), min(h, int(y1 + CROP_BELOW * fh))
    if (cx1 - cx0) * (cy1 - cy0) > CROP_WORTH * h * w:
        return coarse
    close = coarse_person_mask(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]), search_dirs)
    ys = np.arange(cy0, cy1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(cx0, cx1, dtype=np.float32)[None, :] + 0.5
    feather = CROP_FEATHER * max(cx1 - cx0, cy1 - cy0)
    inner = lambda v, lo, hi, limit_lo, limit_hi: np.minimum(  # a crop edge on the photo's edge does not fade
        (v - lo) / feather if lo > 0 else np.inf, (hi - v) / feather if hi < limit_hi else np.inf)
    weight = np.clip(np.minimum(inner(xs, cx0, cx1, 0, w), inner(ys, cy0, cy1, 0, h)), 0, 1)
    out = coarse.copy()
    out[cy0:cy1, cx0:cx1] += weight * (close - coarse[cy0:cy1, cx0:cx1])
    return out


def person_matte(image: np.ndarray, search_dirs: Sequence[str] = (),
                 face_box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """``[H, W]`` float32 0..1: the coarse mask, looked at again around ``face_box`` when the person
    is small in the photo, refined on the full-resolution photo."""
    coarse = coarse_person_mask(image, search_dirs)
    if face_box is not None:
        coarse = _with_close_look(image, coarse, face_box, search_dirs)
    gray = luma(image) / 255.0
    radius = max(2, int(GUIDE_RADIUS * max(image.shape[:2])))
    return np.clip(guided_filter(gray, coarse, radius, GUIDE_EPS), 0.0, 1.0).astype(np.float32)
