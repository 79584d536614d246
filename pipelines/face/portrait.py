"""TP_PORTRAIT: the photo, its face landmarks, the person matte and clean background plate, the
animated person's layer, and the crop rendering uses."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import regions as fr
from ..common.easing import smoothstep
from ..common.errors import InputError
from .clean_plate import fill_background
from .glasses import Rims, find_rims
from .landmarks import detect_faces, find_model
from .new_background import over_background
from .person_layer import person_layer
from .person_matte import person_matte

MIN_SIDE, MAX_SIDE = 64, 8192
MIN_FACE_PX = 64
MIN_VISIBLE_FACE = 0.6  # share of the face box that must lie inside the photo
# Animated region: an ellipse around the face reaching up into the hair and down to the neck,
# in units of the face's width (sides) and height (top/bottom).
REGION_SIDE = 0.5
REGION_TOP = 0.55
REGION_BOTTOM = 0.6
FEATHER = 0.3  # fraction of the region radius over which the paste-back fades out
BORDER_FADE = 0.25  # face widths over which animation fades out towards the photo's edge
PERSON_IN_FACE_BOX = 0.5  # mean person matte over the face box below which no person was found
FACE_OVAL_INSET = 0.06  # face widths: the face oval that always moves lies this far inside the landmarks' outline
LAYER_MARGIN = 0.3  # face widths around the layer that the moving person may reach
CLOSE_CROP = 0.5  # a face wider than this share of the photo: the body is mostly outside the frame
# A face turned further than this from the camera hides its mouth's far half behind its profile; an
# opening mouth drawn on the near half tears (seen at 53°; a face at 40° still opens cleanly).
MAX_GOOD_TURN = 45.0


@dataclass
class Portrait:
    """A photo prepared for animation. Coordinates are pixels of the full-resolution image."""

    image: np.ndarray  # uint8 [H, W, 3]
    landmarks: np.ndarray  # float32 [478, 3]: x, y, z (z in pixels, smaller = nearer)
    face_box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the landmarks
    region_center: tuple[float, float]
    region_radii: tuple[float, float]  # ellipse semi-axes (x, y)
    crop: tuple[int, int, int, int]  # x0, y0, x1, y1 that rendering works in
    person_matte: np.ndarray  # float32 [H, W] 0..1: how much each pixel is a person (anyone in the photo)
    layer: np.ndarray  # float32 [H, W] 0..1: the animated person (see person_layer); 0 = background
    layered: bool  # False when no person was found: the layer is the region and nothing is uncovered
    notes: list[str] = field(default_factory=list)
    plate: np.ndarray | None = field(default=None, repr=False)  # see clean_plate; None until first asked
    rims: Rims | None = field(default=None, repr=False)  # the glasses' rims (see glasses); None without

    @property
    def clean_plate(self) -> np.ndarray:
        """uint8 ``[H, W, 3]``: the photo with the animated person removed and the hole filled, made on
        first use (a few hundred ms at 1024×1536 that a portrait which is never layered does not
        pay). Other people stay: they are this person's background, and the fill continues them."""
        if self.plate is None:
            self.plate = fill_background(self.image, self.layer)
        return self.plate

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    @property
    def face_width(self) -> float:
        return float(self.face_box[2] - self.face_box[0])

    @property
    def face_height(self) -> float:
        return float(self.face_box[3] - self.face_box[1])

    def region_weight(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Paste-back weight: 1 well inside the region, exactly 0 on and outside its ellipse and on
        the photo's edge (a face cut off by the border would otherwise tear there)."""
        cx, cy = self.region_center
        rx, ry = self.region_radii
        r = np.sqrt(((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2)
        height, width = self.image.shape[:2]
        edge = np.minimum(np.minimum(xs, width - xs), np.minimum(ys, height - ys)) - 0.5
        return (smoothstep((1.0 - r) / FEATHER) * smoothstep(edge / (BORDER_FADE * self.face_width))).astype(np.float32)

    def crop_layer(self) -> np.ndarray:
        """The animated person's layer over the crop, ``[h, w]`` float32."""
        x0, y0, x1, y1 = self.crop
        return self.layer[y0:y1, x0:x1]

    def face_oval(self) -> np.ndarray:
        """``[H, W]`` float32: the face well inside its landmarks' outline (which on a turned face
        also encloses background), softly edged: it always moves, whatever the person matte says
        (a segmenter can miss a painted or unusual face)."""
        import cv2

        mask = np.zeros(self.image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(self.landmarks[list(fr.FACE_OVAL), :2]).astype(np.int32)], 255)
        inset = max(1, int(FACE_OVAL_INSET * self.face_width))
        mask = cv2.erode(mask, np.ones((2 * inset + 1, 2 * inset + 1), np.uint8))
        return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), inset / 2)

    def region_mask(self) -> np.ndarray:
        """Region weight over the whole photo, ``[H, W]`` float32."""
        ys, xs = np.mgrid[0:self.image.shape[0], 0:self.image.shape[1]].astype(np.float32) + 0.5
        return self.region_weight(xs, ys)


def check_size(width: int, height: int, name: str = "image") -> None:
    """Refuse photos too small to hold a face or too large to render, before any decoding."""
    if min(width, height) < MIN_SIDE:
        raise InputError(f"{name} is {width}x{height} px; use a photo at least {MIN_SIDE} px on each side.")
    if max(width, height) > MAX_SIDE:
        raise InputError(f"{name} is {width}x{height} px; downscale it to at most {MAX_SIDE} px "
                         "on the long side (2048 px is plenty for a talking head): --max-side on the "
                         "command line, ImageScaleToMaxDimension in ComfyUI.")


def _check_max_side(max_side: int | None) -> None:
    """Refuse a downscaling target that could not hold a face."""
    if max_side is not None and not MIN_SIDE <= max_side <= MAX_SIDE:
        raise InputError(f"max side {max_side} px is out of range; give {MIN_SIDE}-{MAX_SIDE} px.")


def _fitted_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The size with the longer side at most ``max_side`` (aspect kept), or the size itself."""
    _check_max_side(max_side)
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit_within(image: np.ndarray, max_side: int | None) -> np.ndarray:
    """``image`` (HxWx3 uint8) downscaled so its longer side is at most ``max_side``: a phone photo
    renders as fast as the size asked for, and the video is that size."""
    from PIL import Image

    size = _fitted_size(image.shape[1], image.shape[0], max_side)
    if size == (image.shape[1], image.shape[0]):
        return image
    return np.asarray(Image.fromarray(as_rgb_uint8(image)).resize(size, Image.LANCZOS, reducing_gap=3.0))


def as_rgb_uint8(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Accept HxW, HxWx1/3/4 arrays, uint8/uint16/float (0..1): return HxWx3 uint8, alpha dropped."""
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise InputError(f"{name} has shape {a.shape}; expected height x width x 3 (RGB).")
    if a.shape[2] in (2, 4):
        a = a[:, :, :-1]
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype == np.uint16:
        return np.ascontiguousarray((a >> 8).astype(np.uint8))
    a = np.nan_to_num(a.astype(np.float32), nan=0.0)
    return np.ascontiguousarray((np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def load_image_file(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """Read a photo as RGB uint8, honouring EXIF orientation; CMYK, palette, 16-bit, alpha handled.
    With ``max_side`` it is downscaled so its longer side is at most that (a JPEG is decoded at a
    reduced scale to begin with), and may then be larger than MAX_SIDE on disk."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"image file {path} does not exist.")
    try:
        with warnings.catch_warnings():  # PIL's bomb warning: check_size gives the actionable message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            # From the header: a 12000 px photo is never decoded unless it is to be downscaled.
            fitted = _fitted_size(*im.size, max_side)
            check_size(*fitted, name=str(path) if fitted == im.size else f"{path} downscaled to {max_side} px")
            if fitted != im.size and im.format == "JPEG":
                im.draft("RGB", fitted)
            im = ImageOps.exif_transpose(im)
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float32)
                pixels = as_rgb_uint8(arr / max(1.0, float(arr.max())), str(path))
            else:
                pixels = as_rgb_uint8(np.asarray(im.convert("RGB")), str(path))
        return fit_within(pixels, max_side)
    except Image.DecompressionBombError as e:
        raise InputError(f"{path} is too large to open safely ({e}); downscale it to at most "
                         f"{MAX_SIDE} px on the long side.") from e
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise InputError(f"cannot read image {path}: {e}; save it as PNG or JPEG.") from e


def region_ellipse(lm: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Centre and semi-axes of the animated region around a face's landmarks."""
    x0, y0, x1, y1 = lm[:, 0].min(), lm[:, 1].min(), lm[:, 0].max(), lm[:, 1].max()
    fw, fh = x1 - x0, y1 - y0
    top, bottom = y0 - REGION_TOP * fh, y1 + REGION_BOTTOM * fh
    return ((float((x0 + x1) / 2), float((top + bottom) / 2)),
            (float(fw * (0.5 + REGION_SIDE)), float((bottom - top) / 2)))


def _check_cut_off(lm: np.ndarray, size: tuple[int, int], name: str) -> None:
    """A face partly outside the photo animates (the border stays fixed) unless the mouth or most
    of the face is missing: then there is nothing believable to animate."""
    w, h = size
    x0, y0, x1, y1 = lm[:, 0].min(), lm[:, 1].min(), lm[:, 0].max(), lm[:, 1].max()
    inside = (min(x1, w) - max(x0, 0)) * (min(y1, h) - max(y0, 0)) / ((x1 - x0) * (y1 - y0))
    lips = lm[list(fr.OUTER_UPPER + fr.OUTER_LOWER), :2]
    mouth_out = bool(((lips < 0) | (lips > [w - 1, h - 1])).any())
    if mouth_out or inside < MIN_VISIBLE_FACE:
        what = "the mouth is outside the photo" if mouth_out else f"only {inside:.0%} of it is inside the photo"
        raise InputError(f"the face in {name} is cut off by the image border ({what}); use a photo "
                         "(or a crop) with the whole face inside the frame.")


def analyze_portrait(image: np.ndarray, face_index: int = 0, model_path: str | None = None,
                     model_dirs: tuple[str, ...] = (), name: str = "image",
                     background: np.ndarray | None = None, glasses: bool = True) -> Portrait:
    """Find the face (largest first; ``face_index`` picks another) and prepare the animated region;
    with ``background`` (any picture) the person is put in front of it instead of the photo's own.
    With ``glasses`` the rims of glasses are looked for (``Portrait.rims``: the renderer keeps them
    rigid); False is the way out of a mistaken find (a mark round an eye taken for a rim)."""
    if np.ndim(image) >= 2:
        check_size(np.shape(image)[1], np.shape(image)[0], name)
    image = as_rgb_uint8(image, name)
    h, w = image.shape[:2]
    faces = detect_faces(image, find_model(model_path, model_dirs))
    if not faces:
        raise InputError(f"no face found in {name}; use a photo where one face is clearly visible "
                         "and roughly frontal.")
    if not 0 <= face_index < len(faces):
        raise InputError(f"face_index {face_index} is out of range: {name} has {len(faces)} face(s) "
                         f"(0 = largest).")
    lm = faces[face_index]
    x0, y0 = lm[:, 0].min(), lm[:, 1].min()
    x1, y1 = lm[:, 0].max(), lm[:, 1].max()
    fw = x1 - x0
    if fw < MIN_FACE_PX:
        raise InputError(f"the face in {name} is only {fw:.0f} px wide; use a photo where the face "
                         f"is at least {MIN_FACE_PX} px wide (a closer or larger photo).")
    notes = []
    turn = face_turn(lm)
    if abs(turn) > MAX_GOOD_TURN:
        notes.append(f"the face is turned about {abs(turn):.0f}° from the camera: beyond {MAX_GOOD_TURN:.0f}° the mouth's "
                     "far half is hidden and an opening mouth looks torn; a more frontal photo animates best")
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        _check_cut_off(lm, (w, h), name)
        notes.append("the face is cut off by the image border; motion near the border is damped")
    center, radii = region_ellipse(lm)
    face_box = (int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    matte = person_matte(image, model_dirs, face_box)
    bx0, by0, bx1, by1 = max(face_box[0], 0), max(face_box[1], 0), min(face_box[2], w), min(face_box[3], h)
    plate = None
    if background is not None:
        image, plate = over_background(image, matte, as_rgb_uint8(background, "background image"))
    portrait = Portrait(image=image, landmarks=lm, face_box=face_box, region_center=center, region_radii=radii,
                        crop=(0, 0, w, h), person_matte=matte, layer=matte, layered=True, notes=notes, plate=plate)
    others = [f for k, f in enumerate(faces) if k != face_index]
    if float(matte[by0:by1, bx0:bx1].mean()) < PERSON_IN_FACE_BOX:
        notes.append("the person segmenter does not see a person around this face (a drawing, or a very close "
                     "crop?); only the region around the face will move, the body stays still")
        portrait.layer, portrait.layered = portrait.region_mask(), False
        portrait.plate = portrait.image
    else:
        portrait.layer = person_layer(matte, lm, others, portrait.face_oval())
        if others:
            notes.append(f"{len(others) + 1} faces in the photo: only the person of face {face_index} moves, "
                         "the others stay as they are")
        if fw > CLOSE_CROP * w:
            notes.append("a close crop: the body is mostly outside the frame, so motion at the frame's edges is damped")
    portrait.crop = _layer_crop(portrait)
    portrait.rims = find_rims(image, lm, portrait.face_width) if glasses else None
    if portrait.rims is not None:
        notes.append("glasses found (outlined in magenta): their rims move with the head as one piece while "
                     "the eyes behind them blink")
    return portrait


def face_tilt(lm: np.ndarray) -> float:
    """Radians the face is tilted in the image (roll; positive when the eye on the image's right is lower), from
    the line through the outer eye corners."""
    right, left = lm[fr.RIGHT_EYE_CORNERS[0]], lm[fr.LEFT_EYE_CORNERS[0]]
    return float(np.arctan2(left[1] - right[1], left[0] - right[0]))


def face_turn(lm: np.ndarray) -> float:
    """Degrees the face is turned from the camera (yaw; the sign says which way), from the depth
    of the outer eye corners' landmarks against their spread across the image."""
    right, left = lm[fr.RIGHT_EYE_CORNERS[0]], lm[fr.LEFT_EYE_CORNERS[0]]
    return float(np.degrees(np.arctan2(left[2] - right[2], left[0] - right[0])))


def _layer_crop(portrait: Portrait) -> tuple[int, int, int, int]:
    """The box rendering works in: the person's layer and the head's region, with room to move."""
    h, w = portrait.image.shape[:2]
    ys, xs = np.nonzero(portrait.layer)
    (cx, cy), (rx, ry) = portrait.region_center, portrait.region_radii
    margin = LAYER_MARGIN * portrait.face_width if portrait.layered else 0.0
    x0 = min(xs.min(initial=w), cx - rx) - margin
    x1 = max(xs.max(initial=0) + 1, cx + rx) + margin
    y0 = min(ys.min(initial=h), cy - ry) - margin
    y1 = max(ys.max(initial=0) + 1, cy + ry) + margin
    return (max(0, int(np.floor(x0)) - 2), max(0, int(np.floor(y0)) - 2),
            min(w, int(np.ceil(x1)) + 2), min(h, int(np.ceil(y1)) + 2))
