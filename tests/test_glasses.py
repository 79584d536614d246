"""Glasses' rims keep their shape. The warp carried them with the skin: a blink drew the rim above the
eye down with the lid fold, a smile and a squint bent the one below up with the cheek, and a turned
head bent both with the face's relief. Lifted off the face and laid back over it rigid, they move
only as the head does. Measured on the filmed face behind glasses: the rims' pixels in each frame
against the photo's, rotated and shifted to fit best."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import media_photo, posed_tracks
from talking_photo.pipelines.face import regions as fr
from talking_photo.pipelines.face.glasses import find_rims
from talking_photo.pipelines.face.portrait import analyze_portrait
from talking_photo.pipelines.render.renderer import Renderer

EXPRESSIONS = [{"blink_l": 1, "blink_r": 1}, {"smile": 1, "squint": 0.5},
               {"blink_l": 1, "blink_r": 1, "smile": 0.5, "brow_raise": 0.6}, {"brow_frown": 1}]
POSES = [{"yaw": 8, "roll": 6}, {"pitch": -7, "yaw": -6}, {"yaw": 8, "blink_l": 1, "blink_r": 1, "smile": 0.6},
         {"pitch": 6, "roll": -5, "brow_raise": 1, "squint": 0.5}]


def _gray(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY).astype(np.float32)


# Glasses drawn on faces without: colour, thickness (face widths), shape of the lenses.
DRAWN_GLASSES = {"thin dark metal": ((30, 25, 20), 0.012, "soft"), "thick black plastic": ((10, 10, 10), 0.03, "square"),
                 "gold": ((200, 165, 80), 0.01, "round")}


def _drawn_glasses(photo: np.ndarray, landmarks: np.ndarray, face_width: float, style: str) -> np.ndarray:
    """The photo with a pair of rims drawn round the eyes."""
    import cv2

    colour, thickness, shape = DRAWN_GLASSES[style]
    out = photo.copy()
    for a, b in (fr.RIGHT_EYE_CORNERS, fr.LEFT_EYE_CORNERS):
        p, q = sorted((landmarks[a, :2], landmarks[b, :2]), key=lambda v: v[0])
        width = np.linalg.norm(q - p)
        along = (q - p) / width
        across = np.array([-along[1], along[0]])
        t = np.linspace(0, 2 * np.pi, 120)
        radius = {"round": np.ones_like(t), "soft": 0.85 + 0.1 * np.cos(2 * t) ** 2,
                  "square": np.maximum(np.abs(np.cos(t)), np.abs(np.sin(t))) ** -0.6}[shape]
        loop = (p + q) / 2 + width * (radius[:, None] * (np.cos(t)[:, None] * 0.95 * along
                                                         + 0.7 * np.sin(t)[:, None] * across) + 0.08 * across)
        cv2.polylines(out, [np.round(loop * 16).astype(np.int32)], True, colour,
                      max(1, int(round(thickness * face_width))), cv2.LINE_AA, 4)
    return out


@pytest.fixture(scope="module")
def glasses():
    photo = media_photo("glasses_face.jpg")
    return photo, analyze_portrait(photo)


def test_rims_are_found_round_glasses_and_on_no_face_without(astronaut):
    """Rims stand out below the eyes, where skin is smooth: on the filmed face behind glasses, and on
    three faces with glasses drawn on (thin dark metal, thick black plastic, and gold, which is as
    light as the skin and stands out by its colour); on nine faces without (colour, painted, filmed,
    a group photo's six) nothing does."""
    portrait = analyze_portrait(media_photo("glasses_face.jpg"))
    assert portrait.rims is not None and any("glasses found" in note for note in portrait.notes)
    group_photo = media_photo("group_photo.jpg")
    bare = {"astronaut": (astronaut, 0), "Mona Lisa": (media_photo("painted_three_quarter.jpg"), 0),
            "man": (media_photo("real_open_eyes.jpg"), 0), **{f"group photo {i}": (group_photo, i) for i in range(6)}}
    drawn = {"astronaut": DRAWN_GLASSES, "Mona Lisa": ["thin dark metal", "thick black plastic"], "man": DRAWN_GLASSES}
    for name, (photo, face) in bare.items():
        portrait = analyze_portrait(photo, face_index=face)
        assert portrait.rims is None, f"rims on the {name}, who wears none"
        assert not any("glasses" in note for note in portrait.notes)
        for style in drawn.get(name, ()):
            glasses = _drawn_glasses(photo, portrait.landmarks, portrait.face_width, style)
            assert find_rims(glasses, portrait.landmarks, portrait.face_width) is not None, f"{style} on the {name} missed"


def _rim_mismatch(frame: np.ndarray, photo: np.ndarray, rims) -> float:
    """Levels (RMS over the photo's rim pixels): how far the frame's rims are from the photo's,
    rotated (±9°, half-degree steps) and shifted to fit them best."""
    import cv2

    x0, y0, x1, y1 = rims.box
    rim, mask = _gray(photo[y0:y1, x0:x1]), (rims.alpha >= 0.5).astype(np.float32)
    margin = 16
    around = _gray(frame)[max(0, y0 - 2 * margin): y1 + 2 * margin, max(0, x0 - 2 * margin): x1 + 2 * margin]
    centre = ((x1 - x0) / 2, (y1 - y0) / 2)
    best = np.inf
    for angle in np.arange(-9, 9.5, 0.5):
        turn = cv2.getRotationMatrix2D(centre, float(angle), 1.0)
        template = cv2.warpAffine(rim, turn, rim.shape[::-1], flags=cv2.INTER_CUBIC)[margin:-margin, margin:-margin]
        weights = cv2.warpAffine(mask, turn, mask.shape[::-1], flags=cv2.INTER_NEAREST)[margin:-margin, margin:-margin]
        squared = cv2.matchTemplate(around, template, cv2.TM_SQDIFF, mask=weights).min()
        best = min(best, float(np.sqrt(squared / weights.sum())))
    return best


@pytest.mark.parametrize("with_rims", [True, False])
def test_a_blink_smile_squint_or_turn_leaves_the_rims_shape(glasses, with_rims):
    """With the rims laid over rigid, each frame's rims fit the photo's within 2.5 levels under an
    expression (0.6-1.3 measured: they stay put) and 6 under a turned, tilted head (2.3-4.0: a
    rotation fits all but the turn's foreshortening). Warped with the skin, as before, they missed
    by 5.2-7.8 and 8.4-11.9 levels: the control the test is checked against."""
    photo, portrait = glasses
    rims = portrait.rims
    if not with_rims:
        portrait = dataclasses.replace(portrait, rims=None)
    frames = Renderer(portrait).render(posed_tracks(*EXPRESSIONS, *POSES)).numpy()
    mismatch = [_rim_mismatch(frame, photo, rims) for frame in frames]
    x0, y0, x1, y1 = rims.box
    behind = (rims.alpha < 0.1) & (rims.alpha >= 0)
    moved = [np.abs(_gray(f[y0:y1, x0:x1]) - _gray(photo[y0:y1, x0:x1]))[behind].mean() for f in frames[:len(EXPRESSIONS)]]
    assert min(moved) > 1.0, "the expressions did not move the skin behind the glasses"
    kept = max(mismatch[:len(EXPRESSIONS)]) <= 2.5 and max(mismatch[len(EXPRESSIONS):]) <= 6.0
    assert kept == with_rims, mismatch


def test_lifted_off_and_laid_back_at_rest_the_rims_are_the_photos(glasses):
    """A frame at rest shows the rims as the photo has them, within a level (rounding), where they
    are half solid or more (warped with the face, the rest pose's faint motion resampled them: off
    by up to 4)."""
    photo, portrait = glasses
    frame = Renderer(portrait).render(posed_tracks({})).numpy()[0]
    rims = portrait.rims
    x0, y0, x1, y1 = rims.box
    assert np.abs(frame[y0:y1, x0:x1].astype(int) - photo[y0:y1, x0:x1])[rims.alpha >= 0.5].max() <= 1


def test_a_large_face_gets_the_rims_it_has_at_a_small_size(glasses):
    """A face wider than 256 px is searched at that width (the line filters' cost grows with the
    square of their width: the glasses face enlarged to 2000 px took a minute), its rims' edges then
    taken at full size: enlarged 4x, its rims (alpha ≥ 0.5) overlap the small photo's enlarged with
    an IoU of 0.92 (test: ≥ 0.8)."""
    import cv2

    photo, portrait = glasses
    small = portrait.rims
    big = analyze_portrait(cv2.resize(photo, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)).rims
    assert big is not None

    def solid(rims, shape):
        alpha = np.zeros(shape, np.float32)
        x0, y0, x1, y1 = rims.box
        alpha[y0:y1, x0:x1] = rims.alpha
        return alpha

    height, width = 4 * photo.shape[0], 4 * photo.shape[1]
    a = solid(big, (height, width)) >= 0.5
    b = cv2.resize(solid(small, photo.shape[:2]), (width, height), interpolation=cv2.INTER_LINEAR) >= 0.5
    assert (a & b).sum() / (a | b).sum() >= 0.8


def test_glasses_off_leaves_the_rims_to_the_warp():
    """The way out of a mistaken find (Load Portrait's glasses switch, the command line's
    --no-glasses): no rims, no note."""
    from talking_photo.pipelines.cli.main import _parser

    portrait = analyze_portrait(media_photo("glasses_face.jpg"), glasses=False)
    assert portrait.rims is None and not any("glasses" in note for note in portrait.notes)
    args = ["render", "--image", "a.png", "--text", "hi", "--out", "a.mp4"]
    assert _parser().parse_args(args).glasses and not _parser().parse_args([*args, "--no-glasses"]).glasses
