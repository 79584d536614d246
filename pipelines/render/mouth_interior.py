"""Synthesised inside of the mouth: dark cavity, tongue, upper teeth fixed to the skull, lower
teeth with the jaw.

Painted column by column between the target inner-lip curves. The teeth stand on an arch (their
gaps shift and crowd as the head turns) in the upper lip's shadow, their edge rising at each gap,
so they read as teeth rather than a grey band; the lower ones stand behind the lower lip and show
their edges above it only once the jaw is wide; the cavity darkens with depth and the tongue,
rounded at its top, rises from its floor as the jaw opens. The lips' wet inner sides line the
opening, so the lips keep their thickness and the opening has no crisp rim. A closed mouth gets a
thin dark seam so that lips closed over the photo's own teeth never show a white line.

Every colour comes from the photo, in its own colour space: the teeth from its own teeth where the
mouth is open, else from the whites of its eyes; the lips' inner edges from its lips; what lies in
the mouth's shade (cavity, tongue, the lips' turned-in sides) takes its brightness from the lips and
its hue from the photo's own deepest shadow of flesh, the nostrils (a darkened lip colour is olive on
a yellowed painting or print, a nostril there is dark brown). So a grayscale or sepia photo keeps its
tint inside the mouth. The painting is softened and given the photo's grain at each brightness, so it
does not read as a sharp, clean sticker on a soft, grainy photo.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..common.luma import luma
from ..face import regions as fr
from .curves import Columns, bounds
from .grain import Grain
from ..face.portrait import Portrait

UPPER_TEETH = 0.08  # visible height of the upper incisors below the resting lip, in mouth widths (2-4 mm
# of a 50 mm mouth, as the incisors show below a relaxed upper lip; more and a parted mouth is all teeth),
UPPER_TEETH_MAX = 0.16  # ... or as much as the photo's own open mouth shows, up to this
TEETH_SEEN = 0.8  # a pixel of the photo's open mouth this bright relative to its teeth is tooth
LOWER_TEETH = 0.05  # ... of the lower incisors above the lower lip's inner side, once the jaw is wide:
LOWER_TEETH_FROM = 0.55  # they stay behind the lower lip below this opening,
LOWER_TEETH_SHADE = 0.55  # are in the shadow of the upper lip and teeth,
LOWER_TEETH_SPAN = (18.0, 32.0)  # and only the front ones show: full height up to this angle on the arch, none past it
DEFAULT_TEETH = (0.93, 0.89, 0.80)
# The teeth stand on an arch: the gaps between them at these angles from the middle (central and
# lateral incisors, canines), the mouth's corners at CORNER_ANGLE. Seen turned, the arch shifts the
# gaps towards the turn and crowds the far side together.
TOOTH_GAP_ANGLES = (0.0, 18.0, -18.0, 33.0, -33.0, 47.0, -47.0)
LOWER_GAP_ANGLES = (0.0, 12.0, -12.0, 24.0, -24.0, 36.0, -36.0)  # the lower incisors are narrower
CORNER_ANGLE = 62.0
GAP_DARKEN = 0.12
GAP_WIDTH = 0.02  # of the mouth width
BOUNCE = 0.7  # in the mouth's shade, teeth take this share of the lips' wet tint per share of light lost
LIP_SHADOW = 0.05  # the upper lip shades the top of the upper teeth over this much of the mouth width
TONGUE_HEIGHT = 0.35  # of the lip gap, mid-mouth, at full opening
TONGUE_SOFT = 0.35  # its top fades over this share of its height (it is rounded, not a shelf)
TONGUE_COLOUR = (0.45, 0.7)  # relative to the lip colour: at its back and at its tip (README: the filmed man's own),
WET_CHROMA = 1.6  # tongue, cavity and the lips' inner sides: this much more colour than the lips' skin
WET_CHROMA_MAX = 0.25  # (wet, redder; gray stays gray), but no channel further than this from its luma
# The lips' wet inner sides, seen inside the opening: the lower one faces up towards the camera and
# shows over this share of the lips' gap (at most LOWER_ROLL_MAX mouth widths), the upper one
# faces down and shows less, over the top of the teeth. Lip-coloured and redder, darkening inwards.
LOWER_ROLL, LOWER_ROLL_MAX = 0.2, 0.05
UPPER_ROLL, UPPER_ROLL_MAX = 0.1, 0.02
ROLL_COLOUR = (0.8, 0.4)  # relative to the lip colour: at the lip's edge and where it turns inwards
# The teeth's edge rises this share of their height at the gaps between them (their corners are
# rounded) over this width (of the mouth's, at least NOTCH_MIN_PX: finer is only pixel noise).
NOTCH, NOTCH_WIDTH, NOTCH_MIN_PX = 0.25, 0.04, 2.0
CAVITY_DARKEN = 0.55  # the cavity's luma next to the lips, relative to the lips' wet colour's ...
NOSTRIL_BELOW, DARKEST = 0.3, 0.1  # its hue: the darkest tenth from the nose's tip to this far below its base
DEPTH_DARKEN = 0.5  # ... darkening by this share at the depth of DEPTH_SCALE mouth widths from the lips
DEPTH_SCALE = 0.12
CORNER_DEPTH = 0.6
SEAM_DARKEN = 0.55
SHADE_SATURATION = 2.5  # the mouth's shade: at most this many times the lips' wet colour's saturation
SEAM_HALF_WIDTH = 0.7  # px
# Lips closer than this show no teeth or cavity, only the seam: a sliver of teeth between nearly
# closed lips reads as a parted mouth (an independent face detector measured it so).
INTERIOR_MIN_GAP_PX, INTERIOR_FADE_PX = 1.5, 2.0
TEETH_VS_SCLERA = 0.85  # teeth are darker than the whites of the eyes in the same light,
TEETH_VS_SKIN = 1.0  # ... but no darker than the lit cheek: the eyes are often shaded by brow and lids
OWN_TEETH_GAP_PX = 4.0  # a photo whose inner lips are this far apart shows its own teeth
BRIGHTEST = 0.15  # share of the brightest pixels in the eye (or open mouth) taken as sclera (or teeth)
SOFTEN_PX = 0.85  # Gaussian blur of the painting, in pixels of the photo's face at 150 px wide


class MouthInterior:
    """Colours sampled from the photo once; ``paint`` composites the interior into warped crops."""

    def __init__(self, portrait: Portrait, device: torch.device, grain: Grain):
        img = portrait.image.astype(np.float32) / 255.0
        lm = portrait.landmarks
        lip = _lip_colour(img, lm)
        as_tensor = lambda v: torch.tensor(np.asarray(v, np.float32), device=device)
        teeth = _teeth_colour(img, lm, grain.skin_luma)
        self.teeth = as_tensor(teeth)
        self.teeth_showing = _teeth_showing(img, lm, teeth)
        self.grain = grain
        soften = self.soften_px = SOFTEN_PX * portrait.face_width / 150.0
        self.soften_radius = max(1, int(np.ceil(2.5 * soften)))
        taps = torch.exp(-0.5 * (torch.arange(-self.soften_radius, self.soften_radius + 1) / max(soften, 1e-3)) ** 2)
        self.soften_taps = (taps / taps.sum()).to(device)
        chroma = lip - luma(lip)
        wet = luma(lip) + chroma * min(WET_CHROMA, WET_CHROMA_MAX / max(float(np.abs(chroma).max()), 1e-6))
        # Flesh in the mouth's shade takes the nostrils' colour at the lips' brightness scaled down:
        # deep shade in flesh is redder than its lit surface (on four photos' own open mouths the
        # darkest quarter was 1.7-3.5 times as saturated as the lips, about as much as the
        # nostrils), but at most SHADE_SATURATION times the lips' wet colour, so gray stays gray.
        shown = np.clip(wet, 0, 1)  # the wet colour as a pixel can hold it
        shadow, wet_luma = _nostril_shadow(img, lm), float(luma(shown))
        saturation = min(_saturation(shadow), SHADE_SATURATION * _saturation(shown))
        in_shade = lambda k: as_tensor(_at_luma(shadow, wet_luma * k, saturation))
        self.tongue_back, self.tongue_tip = (in_shade(k) for k in TONGUE_COLOUR)
        self.roll_edge, self.roll_in = as_tensor(np.clip(wet * ROLL_COLOUR[0], 0, 1)), in_shade(ROLL_COLOUR[1])
        self.cavity = in_shade(CAVITY_DARKEN)
        # The teeth as bright as they are, in the lips' wet tint: what light bounced in the mouth gives them.
        self.teeth_in_bounce = as_tensor(luma(teeth) * (1 + (shown - wet_luma) / max(wet_luma, 1e-3)))
        self.seam = as_tensor(lip * SEAM_DARKEN)
        self.gap_angles = torch.deg2rad(torch.tensor(TOOTH_GAP_ANGLES + LOWER_GAP_ANGLES, device=device))

    def paint(self, crops: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor,
              teeth_line: torch.Tensor, mouth_width: float, opening: torch.Tensor,
              moved: torch.Tensor) -> torch.Tensor:
        """Paint into ``crops`` ``[B, 3, H, W]`` between inner-lip curves ``upper``/``lower`` ``[B, N, 2]``.

        ``teeth_line`` is the upper inner lip at rest (skull-fixed); ``opening`` ``[B]`` scales how
        much of the lower teeth shows; ``moved`` ``[B, 2]`` is how far the mouth lies from its place
        in the photo (the grain goes with it).
        """
        box = bounds(torch.cat([upper, lower], 1), crops.shape[2], crops.shape[3], pad=2 + self.soften_radius)
        if box is None:
            return crops
        col = Columns(box, upper, lower)
        ys = col.ys
        profile = torch.sqrt((1 - (2 * col.u - 1) ** 2).clamp_min(0))  # 0 at the corners, 1 mid-mouth
        alpha = col.between(col.top, col.bottom)
        mid = (col.top + col.bottom) / 2
        seam = col.between(mid - SEAM_HALF_WIDTH, mid + SEAM_HALF_WIDTH)
        opening = opening[:, None, None].clamp(0, 1)
        # Depth: distance from the nearer lip; the cavity and what is in it darken with it.
        depth = (torch.minimum(ys - col.top, col.bottom - ys) / (DEPTH_SCALE * mouth_width)).clamp(0, 1)
        depth = torch.maximum(depth, CORNER_DEPTH * (1 - profile))  # the corners go back into the cheeks
        cavity = self.cavity[None, :, None, None] * (1 - DEPTH_DARKEN * depth[:, None])
        tongue_height = TONGUE_HEIGHT * (col.bottom - col.top) * profile.sqrt() * opening
        tongue_top = col.bottom - tongue_height
        tongue_at = ((ys - tongue_top) / (TONGUE_SOFT * tongue_height).clamp_min(1.0)).clamp(0, 1)
        tip = ((ys - tongue_top) / tongue_height.clamp_min(1.0)).clamp(0, 1)[:, None]
        tongue = self.tongue_back[None, :, None, None] + tip * (self.tongue_tip - self.tongue_back)[None, :, None, None]
        colour = cavity + tongue_at[:, None] * (tongue * (1 - 0.5 * (1 - profile[:, None])) - cavity)
        arch, angle = self._arch(col, upper)
        facing = torch.cos(angle).clamp_min(0).sqrt()
        rest = col.sample(teeth_line)
        gap_width = max(0.6, GAP_WIDTH * mouth_width)
        from_gap = col.xs[:, None, :, None] - arch[:, :, None, :]
        gaps = torch.exp(-(from_gap / gap_width) ** 2)
        notches = torch.exp(-(from_gap / max(NOTCH_MIN_PX, NOTCH_WIDTH * mouth_width)) ** 2)
        upper_gaps = len(TOOTH_GAP_ANGLES)
        (gaps, lower_gaps), (notches, lower_notches) = ((g[..., :upper_gaps].amax(-1), g[..., upper_gaps:].amax(-1))
                                                        for g in (gaps, notches))
        edge = rest + self.teeth_showing * mouth_width * profile * (1 - NOTCH * notches)
        upper_teeth = (edge - ys + 0.5).clamp(0, 1)
        # The lower teeth stand behind the lower lip's inner side, their edges showing above it.
        lower_show = ((opening - LOWER_TEETH_FROM) / (1 - LOWER_TEETH_FROM)).clamp(0, 1)
        front = ((np.deg2rad(LOWER_TEETH_SPAN[1]) - angle.abs()) / np.deg2rad(LOWER_TEETH_SPAN[1] - LOWER_TEETH_SPAN[0])).clamp(0, 1)
        lower_height = LOWER_TEETH * mouth_width * front * lower_show * (1 - NOTCH * lower_notches)
        behind_lip = _inner_side(col, LOWER_ROLL, LOWER_ROLL_MAX, mouth_width)
        lower_teeth = (ys - (col.bottom - behind_lip - lower_height) + 0.5).clamp(0, 1) * lower_height.clamp(max=1.0)
        under_lip = ((ys - col.top) / (LIP_SHADOW * mouth_width)).clamp(0, 1)
        shade = facing * (0.55 + 0.45 * profile)
        lower = self._teeth_lit(shade * (1 - GAP_DARKEN * lower_gaps) * LOWER_TEETH_SHADE)
        colour = colour + lower_teeth[:, None] * (lower - colour)
        upper = self._teeth_lit(shade * (1 - GAP_DARKEN * gaps) * (0.55 + 0.45 * under_lip))
        colour = colour + upper_teeth[:, None] * (upper - colour)
        colour = self._lips_inner_sides(colour, col, ys, mouth_width)
        shows = ((col.bottom - col.top - INTERIOR_MIN_GAP_PX) / INTERIOR_FADE_PX).clamp(0, 1)
        colour = self.seam[None, :, None, None] + shows[:, None] * (colour - self.seam[None, :, None, None])
        # Beyond the inner lips' curves lies the lips' shadowed inner edge: the cover reaches a blur's
        # width over it, so that softening never lets the photo's own mouth show through.
        colour = self.seam[None, :, None, None] + alpha[:, None] * (colour - self.seam[None, :, None, None])
        grow = self.soften_px * shows
        cover = torch.maximum(col.between(col.top - grow, col.bottom + grow), seam)
        colour, cover = self._like_the_photo(colour, cover, crops, box, moved)
        return col.composite(crops, colour, cover)

    def _teeth_lit(self, light: torch.Tensor) -> torch.Tensor:
        """The teeth's colour ``[B, 3, H, W]`` where ``light`` ``[B, H, W]`` (1 in full light) of
        their own light reaches them: what shade takes away is made up in part by light bounced off
        the lips and tongue, so shaded teeth take the mouth's warm tint (a neutral gray against the
        red inside of the mouth reads blue)."""
        bounce = (BOUNCE * (1 - light)).clamp(0, 1)[:, None]
        teeth, warm = self.teeth[None, :, None, None], self.teeth_in_bounce[None, :, None, None]
        return light[:, None] * (teeth + bounce * (warm - teeth))

    def _lips_inner_sides(self, colour: torch.Tensor, col: Columns, ys: torch.Tensor, mouth_width: float) -> torch.Tensor:
        """The lips' wet inner sides over the opening's top and bottom edges: the lip's colour,
        redder, darkening as it turns in, so the lips have thickness and the opening no crisp rim."""
        for depth, share, most in ((col.bottom - ys, LOWER_ROLL, LOWER_ROLL_MAX),
                                   (ys - col.top, UPPER_ROLL, UPPER_ROLL_MAX)):
            t = (depth / _inner_side(col, share, most, mouth_width).clamp_min(0.5)).clamp(0, 1)[:, None]
            side = self.roll_edge[None, :, None, None] + t * (self.roll_in - self.roll_edge)[None, :, None, None]
            colour = colour + (1 - t) ** 2 * (side - colour)
        return colour

    def _arch(self, col: Columns, upper: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Where the gaps between the teeth fall ``[B, 1, G]`` (crop x; upper then lower) and each
        column's angle on the arch ``[B, 1, W]`` (0 mid-front): the teeth stand on an arch whose turn is
        read off where the middle of the upper lip lies between the corners (the photo's own turn and
        the rendered one)."""
        corner = np.deg2rad(CORNER_ANGLE)
        middle = ((upper[:, upper.shape[1] // 2, 0, None, None] - col.left) / (col.right - col.left).clamp_min(1.0))
        turn = torch.atan((2 * middle.clamp(0.05, 0.95) - 1) * np.sin(corner) / (1 - np.cos(corner)))  # [B, 1, 1]
        ends = torch.sin(turn - corner), torch.sin(turn + corner)
        to_u = lambda angle: (torch.sin(angle + turn) - ends[0]) / (ends[1] - ends[0])
        gaps = col.left + (col.right - col.left) * to_u(self.gap_angles[None, None, :])
        seen = (ends[0] + col.u * (ends[1] - ends[0])).clamp(-1, 1)
        return gaps, torch.asin(seen) - turn

    def _like_the_photo(self, colour: torch.Tensor, cover: torch.Tensor, crops: torch.Tensor,
                        box: tuple[int, int, int, int], moved: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The painting and its coverage softened like the photo (premultiplied, so the lips' edges
        are soft and take the cavity's shadow), then given the photo's grain (a fixed pattern: the
        photo's grain does not flicker either; fainter in the dark cavity, as in the photo's shadows)."""
        radius, taps = self.soften_radius, self.soften_taps
        layers = torch.cat([colour * cover[:, None], cover[:, None]], 1)
        c = layers.shape[1]
        soft = F.conv2d(F.pad(layers, (radius, radius, 0, 0), mode="replicate"), taps.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
        soft = F.conv2d(F.pad(soft, (0, 0, radius, radius), mode="replicate"), taps.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
        cover = soft[:, 3]
        colour = soft[:, :3] / cover[:, None].clamp_min(1e-4)
        return self.grain.add(colour, crops, box, moved), cover


def _inner_side(col: Columns, share: float, most: float, mouth_width: float) -> torch.Tensor:
    """How far a lip's wet inner side reaches into the opening ``[B, 1, W]``, in pixels."""
    return (share * (col.bottom - col.top).clamp_min(0)).clamp(max=most * mouth_width)


def _lip_colour(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """RGB 0..1 of the lower lip: the median along its middle (between its outer and inner edges,
    corners left out), so a highlight on the lip or skin beside a turned mouth does not tint it."""
    h, w = img.shape[:2]
    middle = (lm[list(fr.OUTER_LOWER[2:-2]), :2] + lm[list(fr.INNER_LOWER[2:-2]), :2]) / 2
    x = np.clip(np.round(middle[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.round(middle[:, 1]).astype(int), 0, h - 1)
    return np.median(img[y, x], axis=0)


def _nostril_shadow(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """RGB 0..1 of the darkest tenth of the pixels between the nose's tip and wings and a little below
    them: the nostrils, or the shadow under the nose where they do not show."""
    h, w = img.shape[:2]
    wings, below = lm[list(fr.NOSTRILS[:2]), :2], lm[fr.NOSTRILS[2], :2]
    tip = lm[fr.NOSE_TIP, 1]
    x0, x1 = np.clip([np.floor(wings[:, 0].min()), np.ceil(wings[:, 0].max()) + 1], 0, w).astype(int)
    y0, y1 = np.clip([np.floor(tip), np.ceil(below[1] + NOSTRIL_BELOW * (below[1] - tip)) + 1], 0, h).astype(int)
    pixels = img[y0:y1, x0:x1].reshape(-1, 3)
    if len(pixels) < 10:
        return _lip_colour(img, lm)
    brightness = luma(pixels)
    return pixels[brightness <= np.quantile(brightness, DARKEST)].mean(0)


def _saturation(colour: np.ndarray) -> float:
    """How far the farthest channel lies from the luma, as a share of it (0 for gray)."""
    y = float(luma(colour))
    return float(np.abs(colour - y).max()) / max(y, 1e-3)


def _at_luma(colour: np.ndarray, target: float, saturation: float) -> np.ndarray:
    """``colour`` scaled to luma ``target`` (its hue kept), no channel further from that luma than
    ``saturation`` times it: a nearly black nostril's faint tint (or a gray scan's colour noise)
    must not be magnified into a colour the photo does not have."""
    scaled = colour * target / max(float(luma(colour)), 1e-3)
    chroma = scaled - target
    return np.clip(target + chroma * min(1.0, saturation * target / max(float(np.abs(chroma).max()), 1e-6)), 0, 1)


OPEN_MOUTH = [*fr.INNER_UPPER, *fr.INNER_LOWER[::-1]]  # the polygon inside the inner lips


def _mouth_is_open(lm: np.ndarray) -> bool:
    return float(np.median(lm[list(fr.INNER_LOWER[2:-2]), 1] - lm[list(fr.INNER_UPPER[2:-2]), 1])) >= OWN_TEETH_GAP_PX


def _inside(img: np.ndarray, lm: np.ndarray, regions: list[list[int]]) -> np.ndarray:
    """Mask of the landmark polygons ``regions``."""
    import cv2

    mask = np.zeros(img.shape[:2], np.uint8)
    for region in regions:
        cv2.fillPoly(mask, [np.round(lm[region, :2]).astype(np.int32)], 1)
    return mask.astype(bool)


def _teeth_showing(img: np.ndarray, lm: np.ndarray, teeth: np.ndarray) -> float:
    """Height of the upper teeth below the lip, in mouth widths: as much as the photo's own open mouth
    shows (the median column of its middle third), else UPPER_TEETH."""
    if not _mouth_is_open(lm):
        return UPPER_TEETH
    tooth = _inside(img, lm, [OPEN_MOUTH])
    tooth[tooth] = luma(img[tooth]) >= TEETH_SEEN * luma(teeth)
    left, right = (lm[j, :2] for j in fr.INNER_CORNERS)
    x0, x1 = sorted((left[0], right[0]))
    third = (x1 - x0) / 3
    columns = tooth[:, int(round(x0 + third)):int(round(x1 - third))]
    if columns.shape[1] == 0:
        return UPPER_TEETH
    height = float(np.median(columns.sum(0))) / max(float(np.linalg.norm(right - left)), 1.0)
    return float(np.clip(height, UPPER_TEETH, UPPER_TEETH_MAX))


def _teeth_colour(img: np.ndarray, lm: np.ndarray, skin_luma: float) -> np.ndarray:
    """RGB 0..1 of the teeth: the photo's own where its mouth is open, else its eye whites, darkened,
    and lit up to TEETH_VS_SKIN of the cheek's luma ``skin_luma`` where the eyes lie in shade (every
    channel scaled alike, as more light would: the whites' hue and saturation stay)."""
    if _mouth_is_open(lm):
        return _brightest(img, lm, [OPEN_MOUTH])
    sclera = _brightest(img, lm, [list(fr.RIGHT_UPPER_LID) + list(fr.RIGHT_LOWER_LID[::-1]),
                                  list(fr.LEFT_UPPER_LID) + list(fr.LEFT_LOWER_LID[::-1])]) * TEETH_VS_SCLERA
    lit = max(1.0, TEETH_VS_SKIN * skin_luma / max(float(luma(sclera)), 1e-3))
    return np.clip(sclera * lit, 0, 1).astype(np.float32)


def _brightest(img: np.ndarray, lm: np.ndarray, regions: list[list[int]]) -> np.ndarray:
    """RGB 0..1 of the brightest BRIGHTEST share of the pixels inside the landmark polygons."""
    pixels = img[_inside(img, lm, regions)]
    if len(pixels) < 4:
        return np.asarray(DEFAULT_TEETH, np.float32) * float(img.mean())
    brightness = luma(pixels)
    return pixels[brightness >= np.quantile(brightness, 1 - BRIGHTEST)].mean(0).astype(np.float32)
