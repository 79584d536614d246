"""The face's warp never turns skin inside out. Where the spline folds, a strip of the photo shows
mirrored and streaked (beside the nose when a smiling face blinked, under the brow when a turned
face raised it); where the rig's channels add up past what a face can do, it must give way instead.
Measured on the spline itself: the inverse warp's Jacobian determinant over the face, outside the
eyes (the painted lids cover them when they close), on four photos."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import media_photo
from talking_photo.pipelines.common.channels import DRAWN
from talking_photo.pipelines.face import regions as fr
from talking_photo.pipelines.face.portrait import analyze_portrait
from talking_photo.pipelines.render import thin_plate
from talking_photo.pipelines.render.rig import FaceRig

# What the motion makes at once: a blink in a friendly face (its smile and squint at their height
# in speech), and the brows raised full.
COMBINATIONS = {
    "blink in a smile": {"blink_l": 1, "blink_r": 1, "smile": 0.95, "squint": 0.36},
    "raised brows": {"brow_raise": 1},
}
STEP = 2  # px between the points where the Jacobian is taken


def _least_determinant(photo: np.ndarray, channels: dict[str, float]) -> float:
    """The smallest Jacobian determinant of the frame-to-photo map over the face outside the eyes."""
    import cv2

    portrait = analyze_portrait(photo)
    rig = FaceRig(portrait)
    tracks = {c: torch.full((1,), float(channels.get(c, 0.0))) for c in DRAWN}
    targets, _ = rig.targets(tracks)
    targets = targets.double()
    coefficients = thin_plate.fit(targets, rig.source_points[None].double())
    lm = portrait.landmarks[:, :2] - np.asarray(portrait.crop[:2]) - 0.5
    (x0, y0), (x1, y1) = lm[list(fr.FACE_OVAL)].min(0), lm[list(fr.FACE_OVAL)].max(0)
    grid = np.stack(np.meshgrid(np.arange(x0, x1, STEP), np.arange(y0, y1, STEP)), -1).reshape(-1, 2)
    outside_eyes = np.ones(len(grid), bool)
    for lids in (fr.RIGHT_UPPER_LID + fr.RIGHT_LOWER_LID + fr.RIGHT_EYE_CORNERS,
                 fr.LEFT_UPPER_LID + fr.LEFT_LOWER_LID + fr.LEFT_EYE_CORNERS):
        eye = lm[list(lids)].astype(np.float32)
        centre = eye.mean(0)
        cover = (cv2.convexHull(eye)[:, 0] - centre) * (1.25, 2.6) + centre  # the painted lid's reach
        outside_eyes &= np.array([cv2.pointPolygonTest(cover.astype(np.float32), (float(x), float(y)), False) < 0
                                  for x, y in grid])
    grid = grid[outside_eyes]
    h = 0.5
    points = torch.from_numpy(np.concatenate([grid, grid + (h, 0), grid + (0, h)]))[None]
    source = thin_plate.evaluate(coefficients, targets, points)[0].numpy()
    at, dx, dy = np.split(source, 3)
    jx, jy = (dx - at) / h, (dy - at) / h
    return float((jx[:, 0] * jy[:, 1] - jx[:, 1] * jy[:, 0]).min())


@pytest.fixture(scope="module", params=["astronaut", "glasses", "painted three-quarter", "filmed man"])
def photo(request, astronaut):
    return {"astronaut": lambda: astronaut, "glasses": lambda: media_photo("glasses_face.jpg"),
            "painted three-quarter": lambda: media_photo("painted_three_quarter.jpg"),
            "filmed man": lambda: media_photo("real_open_eyes.jpg")}[request.param]()


def test_the_warp_does_not_fold_the_face_when_channels_add_up(photo):
    """Before the lids and brows gave way: a blink in a smile −0.07 to −1.13 on all four; raised
    brows −1.43 on the painted face (its far brow passed the face's contour). Now 0.24–0.41."""
    least = {name: _least_determinant(photo, channels) for name, channels in COMBINATIONS.items()}
    assert all(d > 0.1 for d in least.values()), least
