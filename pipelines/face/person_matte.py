"""The person matte: how much each pixel of the photo belongs to the person (face, hair, hat, ears,
neck, shoulders) rather than the background, 0..1 at the photo's full resolution.

MediaPipe's selfie segmentation gives a soft, coarse mask (its network sees 256 px); a guided
filter with the photo as guide snaps that mask to the photo's own edges, so hair strands and hat
brims follow the pixels instead of a blurred outline.
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


def person_matte(image: np.ndarray, search_dirs: Sequence[str] = ()) -> np.ndarray:
    """``[H, W]`` float32 0..1: the coarse mask refined on the full-resolution photo."""
    coarse = coarse_person_mask(image, search_dirs)
    gray = luma(image) / 255.0
    radius = max(2, int(GUIDE_RADIUS * max(image.shape[:2])))
    return np.clip(guided_filter(gray, coarse, radius, GUIDE_EPS), 0.0, 1.0).astype(np.float32)
