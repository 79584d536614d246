"""The person matte and the clean background plate, on a colour and a grayscale photo: the person
(face, hair, torso) is in the matte and the flag, shuttle and sky are not; the plate replaces the
person with colours of the background around it and leaves every background pixel as it was."""
from __future__ import annotations

import numpy as np
import pytest

from talking_photo.pipelines.face import regions as fr
from talking_photo.pipelines.face.portrait import analyze_portrait


@pytest.fixture(scope="module")
def camera_portrait():
    """The cameraman (grayscale), enlarged to 1024² so that his face is large enough to animate."""
    from PIL import Image
    from skimage import data

    return analyze_portrait(np.asarray(Image.fromarray(data.camera()).resize((1024, 1024), Image.LANCZOS)),
                            name="camera")


def _at(portrait, x: float, y: float) -> float:
    return float(portrait.person_matte[int(y), int(x)])


def test_the_matte_holds_the_person_and_not_the_background(portrait, camera_portrait):
    for p in (portrait, camera_portrait):
        lm = p.landmarks
        for point in (fr.NOSE_TIP, fr.CHIN, fr.FOREHEAD):
            assert _at(p, *lm[point, :2]) > 0.9, point
        hair = lm[fr.FOREHEAD, 1] - 0.1 * p.face_height  # just above the hairline landmark
        assert _at(p, lm[fr.FOREHEAD, 0], hair) > 0.9
    below_chin = portrait.landmarks[fr.CHIN, 1] + 0.8 * portrait.face_height  # the astronaut's suit
    assert _at(portrait, portrait.landmarks[fr.CHIN, 0], below_chin) > 0.9
    for x, y in ((15, 40), (440, 60), (480, 250)):  # flag, shuttle, the wall beside the shuttle
        assert _at(portrait, x, y) < 0.1, (x, y)
    assert _at(camera_portrait, 120, 80) < 0.1 and _at(camera_portrait, 940, 800) < 0.1  # sky, lawn
    assert not portrait.notes  # the cameraman is nearly in profile: the only note says so
    assert [n for n in camera_portrait.notes if "turned about" not in n] == [] and camera_portrait.notes


def test_the_clean_plate_removes_the_person_and_keeps_the_background(portrait, camera_portrait):
    from scipy.ndimage import distance_transform_edt

    from talking_photo.pipelines.face.clean_plate import HOLE_GROW, HOLE_MATTE

    for p in (portrait, camera_portrait):
        photo, plate = p.image.astype(np.int16), p.clean_plate.astype(np.int16)
        grow = HOLE_GROW * max(photo.shape[:2])
        distance = distance_transform_edt(p.person_matte <= HOLE_MATTE)  # px from the person
        beyond = distance > grow + 1
        assert beyond.mean() > 0.3 and np.array_equal(plate[beyond], photo[beyond])  # background as it was
        person = p.person_matte > 0.5
        x0, y0, x1, y1 = p.face_box
        face = np.zeros_like(person)
        face[y0:y1, x0:x1] = True
        assert np.abs(plate - photo)[face & person].mean() > 25  # the face is gone from the plate
        around = beyond & (distance < 3 * grow)  # the background that the fill continues
        assert np.abs(plate[person].mean(0) - photo[around].mean(0)).max() < 40, (plate[person].mean(0),
                                                                                   photo[around].mean(0))
    gray = camera_portrait.clean_plate
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])


def test_a_new_background_goes_behind_the_person(astronaut, tmp_path):
    """Load Portrait's background option (and the command line's --background): the person over the
    given picture, fitted to the photo; the picture is then the clean plate."""
    from PIL import Image

    from talking_photo.pipelines.cli.main import main
    from talking_photo.pipelines.face.new_background import fitted

    yy, xx = np.mgrid[0:300, 0:200]
    picture = np.stack([xx % 256, yy % 256, np.full_like(xx, 90)], -1).astype(np.uint8)  # 200x300, another shape
    p = analyze_portrait(astronaut, background=picture)
    fit = fitted(picture, (512, 512))
    assert fit.shape == (512, 512, 3) and np.array_equal(p.clean_plate, fit)
    assert np.array_equal(p.image[p.person_matte == 0], fit[p.person_matte == 0])
    assert np.array_equal(p.image[p.person_matte == 1], astronaut[p.person_matte == 1])
    Image.fromarray(picture).save(tmp_path / "beach.png")
    Image.fromarray(astronaut).save(tmp_path / "face.png")
    assert main(["render", "--image", str(tmp_path / "face.png"), "--text", "Hi.", "--background",
                 str(tmp_path / "beach.png"), "--out", str(tmp_path / "talk.mp4")]) == 0
    assert (tmp_path / "talk.mp4").stat().st_size > 1000
