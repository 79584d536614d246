"""The face's channels read as such to an independent judge: MediaPipe's blendshape classifier,
run afresh on rendered frames of three photos (colour, grayscale, a tilted three-quarter face),
follows each channel over a ramp (gaze and expressions r ≥ 0.8, the jaw r ≥ 0.9 and reaching 0.3),
and sees closed eyes at full closure, as closed as a real person's own closed eyes read and as
closed as the same eyes erased and drawn shut; the motion
looks at the camera, jumps in small saccades, looks away at some phrase boundaries, and keeps still
in the `still` style."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import media_photo
from talking_photo.pipelines.common.channels import DRAWN, EXPRESSIONS, GAZE
from talking_photo.pipelines.common.luma import luma
from talking_photo.pipelines.face.landmarks import find_model
from talking_photo.pipelines.face.portrait import analyze_portrait
from talking_photo.pipelines.motion.head import generate_motion
from talking_photo.pipelines.render.renderer import Renderer

# Channel → its ramp and the detector's reading of it (blendshape scores, summed with signs).
READINGS = {
    "gaze_x": ((-20, -10, 0, 10, 20), {"eyeLookOutLeft": 1, "eyeLookInRight": 1, "eyeLookInLeft": -1,
                                       "eyeLookOutRight": -1}),
    "gaze_y": ((-20, -10, 0, 10, 20), {"eyeLookDownLeft": 1, "eyeLookDownRight": 1, "eyeLookUpLeft": -1,
                                       "eyeLookUpRight": -1}),
    "smile": ((0, 0.25, 0.5, 0.75, 1), {"mouthSmileLeft": 1, "mouthSmileRight": 1}),
    "brow_raise": ((0, 0.25, 0.5, 0.75, 1), {"browInnerUp": 1, "browOuterUpLeft": 1, "browOuterUpRight": 1}),
    "brow_frown": ((0, 0.25, 0.5, 0.75, 1), {"browDownLeft": 1, "browDownRight": 1}),
    "squint": ((0, 0.25, 0.5, 0.75, 1), {"eyeSquintLeft": 1, "eyeSquintRight": 1}),
}


@pytest.fixture(scope="module")
def blendshapes():
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    detector = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(find_model())), num_faces=1, output_face_blendshapes=True))

    def read(frame: np.ndarray) -> dict[str, float]:
        found = detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame)))
        assert found.face_blendshapes, "the rendered face was lost"
        return {c.category_name: c.score for c in found.face_blendshapes[0]}

    yield read
    detector.close()


@pytest.fixture(scope="module", params=["colour", "grayscale", "three-quarter"])
def photo(request, astronaut, closed_mouth_photo):
    if request.param == "colour":
        return astronaut
    if request.param == "grayscale":
        gray = luma(astronaut)
        return np.repeat(gray.astype(np.uint8)[..., None], 3, axis=2)
    return closed_mouth_photo


def test_the_detector_reads_gaze_and_expressions_from_their_channels(photo, blendshapes):
    renderer = Renderer(analyze_portrait(photo))
    correlations = {}
    for channel, (ramp, reading) in READINGS.items():
        frames = _frames(renderer, (channel,), ramp)
        scores = [sum(sign * blendshapes(frame)[name] for name, sign in reading.items()) for frame in frames]
        correlations[channel] = float(np.corrcoef(ramp, scores)[0, 1])
    assert all(r >= 0.8 for r in correlations.values()), correlations


def _frames(renderer: Renderer, channels: tuple[str, ...], ramp) -> np.ndarray:
    tracks = {c: np.zeros(len(ramp), np.float32) for c in DRAWN}
    for channel in channels:
        tracks[channel] = np.asarray(ramp, np.float32)
    return renderer.render(tracks).numpy()


def test_the_jaw_drops_and_the_lids_close(photo, blendshapes, request):
    renderer = Renderer(analyze_portrait(photo))
    ramp = (0, 0.25, 0.5, 0.75, 1)
    jaw = [blendshapes(frame)["jawOpen"] for frame in _frames(renderer, ("jaw_open",), ramp)]
    assert np.corrcoef(ramp, jaw)[0, 1] >= 0.9 and jaw[-1] >= 0.3, jaw
    closed = blendshapes(_frames(renderer, ("blink_l", "blink_r"), (1,))[0])
    blink = sorted((closed["eyeBlinkLeft"], closed["eyeBlinkRight"]))
    # On the three-quarter face the near eye is judged here, the far one in the next test.
    judged = blink[1:] if request.node.callspec.params["photo"] == "three-quarter" else blink
    assert min(judged) >= 0.5, blink


def _closed(portrait, blendshapes) -> tuple[float, float]:
    closed = blendshapes(_frames(Renderer(portrait), ("blink_l", "blink_r"), (1,))[0])
    return closed["eyeBlinkLeft"], closed["eyeBlinkRight"]


def test_a_rendered_blink_reads_as_closed_as_the_persons_own(blendshapes):
    """The same man filmed with his eyes open and, a moment later, closed: our closure of the open
    frame must read (nearly) as closed as his own (0.69/0.74 against his 0.57/0.59)."""
    own = blendshapes(media_photo("real_closed_eyes.jpg"))
    own = min(own["eyeBlinkLeft"], own["eyeBlinkRight"])
    assert own >= 0.5, f"the judge no longer reads a real closed eye as closed ({own:.2f})"
    assert min(_closed(analyze_portrait(media_photo("real_open_eyes.jpg")), blendshapes)) >= 0.9 * own


HARD_EYES = {
    # photo: what the detector reads at full closure (left, right), and why it is hard
    "three-quarter": "0.66/0.32: the far eye of a tilted, turned face",
    "glasses": "0.48/0.45: a small face (300 px) with dark eyes behind glasses (0.41/0.33 with bent rims)",
}


def _hard_photo(name: str, closed_mouth_photo: np.ndarray) -> np.ndarray:
    return {"three-quarter": lambda: closed_mouth_photo, "glasses": lambda: media_photo("glasses_face.jpg"),
            "painted": lambda: media_photo("painted_three_quarter.jpg")}[name]()


@pytest.mark.parametrize("name", ["painted", *HARD_EYES])
def test_closed_eyes_read_closed_behind_glasses_and_on_a_turned_faces_far_side(name, closed_mouth_photo,
                                                                               blendshapes, request):
    """The Mona Lisa's shaded sockets read 0.53/0.51 (lids painted from the brightest skin above the
    eye, lighter than the socket: 0.48/0.53)."""
    if name in HARD_EYES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"the detector reads {HARD_EYES[name]}"))
    assert min(_closed(analyze_portrait(_hard_photo(name, closed_mouth_photo)), blendshapes)) >= 0.5


def _eyes_erased(photo: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The photo with both eyes gone: each eye's outline, grown by a third across and twice as tall,
    filled in from the skin around it (OpenCV's inpainting), and a dark lash line drawn along the
    lower lid. No eye can be more closed than this."""
    import cv2

    from talking_photo.pipelines.face import regions as fr

    lm = landmarks[:, :2]
    mask = np.zeros(photo.shape[:2], np.uint8)
    lines = []
    for upper, lower, corners in ((fr.RIGHT_UPPER_LID, fr.RIGHT_LOWER_LID, fr.RIGHT_EYE_CORNERS),
                                  (fr.LEFT_UPPER_LID, fr.LEFT_LOWER_LID, fr.LEFT_EYE_CORNERS)):
        outline = lm[list(upper) + list(lower) + list(corners)].astype(np.float32)
        hull = cv2.convexHull(outline)[:, 0]
        centre = outline.mean(0)
        cv2.fillPoly(mask, [np.round((hull - centre) * (1.35, 2.05) + centre).astype(np.int32)], 255)
        line = lm[[corners[0], *lower, corners[1]]]
        lines.append((line[np.argsort(line[:, 0])], np.ptp(line[:, 0])))
    erased = cv2.inpaint(np.ascontiguousarray(photo), mask, 5, cv2.INPAINT_TELEA)
    for line, width in lines:
        cv2.polylines(erased, [np.round(line).astype(np.int32)], False, (40, 30, 25), max(1, int(width / 12)),
                      cv2.LINE_AA)
    return erased


@pytest.mark.parametrize("name", ["painted", *HARD_EYES])
def test_closed_eyes_read_as_closed_as_eyes_erased_and_drawn_shut(name, closed_mouth_photo, blendshapes):
    """Where the detector will not read 0.5 (above), it is not the lids: the same photo with its eyes
    inpainted away and a lash line drawn reads no more closed (three-quarter 0.54/0.26, glasses
    0.40/0.16, painted 0.50/0.55; ours 0.66/0.32, 0.48/0.45, 0.53/0.51). Each of our closed eyes
    reads within 0.1 of that, or more closed (without the painted lids, glasses and painted fail).
    Nor is it the blendshape network: given these frames' lid landmarks moved shut, it reads
    0.75/0.75 and 0.71/0.65; the landmark network keeps the lids apart (README, Known limits)."""
    photo = _hard_photo(name, closed_mouth_photo)
    portrait = analyze_portrait(photo)
    erased = blendshapes(_eyes_erased(photo, portrait.landmarks))
    erased = erased["eyeBlinkLeft"], erased["eyeBlinkRight"]
    ours = _closed(portrait, blendshapes)
    assert all(o >= e - 0.1 for o, e in zip(ours, erased)), (ours, erased)


def test_the_eyes_hold_the_camera_jump_in_saccades_and_look_away_at_phrase_boundaries(features):
    motion = generate_motion(features, style="calm", seed=0)
    yaw, gaze_x, gaze_y = (motion.channels[c] for c in ("yaw", "gaze_x", "gaze_y"))
    own = gaze_x + 0.8 * yaw  # the eyes' own moves, the head's turn taken out
    on_camera = np.abs(own) < 4.0
    assert on_camera.mean() > 0.6, "the eyes do not stay on the camera most of the time"
    # Holding the camera while the head turns: the eyes turn back against the head.
    assert np.corrcoef(gaze_x[on_camera], yaw[on_camera])[0, 1] < -0.8
    assert (np.abs(np.diff(own)) > 0.3).sum() >= 3, "no saccades"
    assert np.abs(own).max() >= 6.0 and gaze_y[~on_camera].mean() < 0, "the eyes never looked away and up"
    still = generate_motion(features, style="still", seed=0)
    assert all(not still.channels[c].any() for c in GAZE)


@pytest.mark.parametrize("expression", ["friendly", "serious", "excited"])
def test_an_expression_sets_the_resting_face_and_how_speech_moves_it(features, expression):
    neutral = generate_motion(features, seed=0).channels
    moved = generate_motion(features, seed=0, expression=expression).channels
    assert set(EXPRESSIONS) <= set(moved)
    middle = slice(len(features.voice_activity) // 4, 3 * len(features.voice_activity) // 4)
    mean = lambda channels, name: float(channels[name][middle].mean())
    if expression == "friendly":
        assert mean(moved, "smile") > mean(neutral, "smile") + 0.2
    elif expression == "serious":
        assert mean(moved, "brow_frown") > 0.2 and mean(moved, "brow_raise") < mean(neutral, "brow_raise")
    else:
        assert mean(moved, "brow_raise") > mean(neutral, "brow_raise") + 0.1 and mean(moved, "smile") > 0.1


def test_a_tilted_head_raises_its_brows_along_its_tilt(closed_mouth_photo):
    """On the group photo's face tilted 30°, the brows (re-detected on the rendered frames) rise
    square to the line through the eyes (87° to it), as the jaw drops along the face: raised
    straight up the image they went 34° off square (and bent the hair above them)."""
    from talking_photo.pipelines.face import regions as fr
    from talking_photo.pipelines.face.landmarks import detect_faces

    portrait = analyze_portrait(closed_mouth_photo)
    tracks = {c: np.zeros(2, np.float32) for c in DRAWN}
    tracks["brow_raise"][1] = 1.0
    rest, raised = (detect_faces(np.ascontiguousarray(f), find_model())[0][:, :2]
                    for f in Renderer(portrait).render(tracks).numpy())
    eyes = rest[fr.LEFT_EYE_CORNERS[0]] - rest[fr.RIGHT_EYE_CORNERS[0]]
    assert abs(np.degrees(np.arctan2(eyes[1], eyes[0]))) > 20, "the test face is no longer tilted"
    brows = list(fr.RIGHT_BROW + fr.LEFT_BROW)
    move = (raised[brows] - rest[brows]).mean(0)
    off_square = np.degrees(np.arccos(abs(move @ eyes) / np.linalg.norm(move) / np.linalg.norm(eyes)))
    assert np.linalg.norm(move) > 2 and off_square > 80, (move, off_square)
