"""The renderer: per-frame tracks → full-resolution frames, by a landmark-driven thin-plate warp.

The animated person's layer is warped together with its matte and composited over the
background: premultiplied, so that with no motion the composite is the photo itself, and
whatever the moving person uncovers shows the clean plate. A pixel that neither the layer nor
its moved matte touches is the photo's own pixel, bit for bit, in every frame. Only the crop
around the person is computed.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..common.channels import DRAWN, MOUTH_CONTROLS, UNIT_RANGE
from ..common.easing import smoothstep
from ..common.errors import InputError
from ..common.luma import BT601
from ..common.progress import Progress
from ..face import regions as fr
from ..face.person_layer import LAYER_FLOOR, solid_person
from ..face.portrait import Portrait
from ..motion.head import Motion
from ..mouth.features import Features
from . import thin_plate
from .closed_mouth import close_photo
from .eyelids import own_lashes, paint_eyelid
from .glasses import RimLayer
from .grain import Grain
from .gaze import iris_shift, move_iris
from .mouth_interior import MouthInterior
from .rig import FaceRig

GRID_CELLS_PER_FACE = 24  # warp-field lattice resolution over the face: cells across the face width
BODY_CELLS_PER_FACE = 4  # ... and over the rest of the crop (hair, neck, body), whose motion is smooth
MAX_GRID = 160
FACE_BOX_MARGIN, FACE_BOX_DROP = 0.15, 0.15  # face widths around the face box; face heights lower (the jaw drops)
# Face widths over which the fine lattice's field hands over to the coarse one at the face box's
# sides: where the head's motion bends steeply (the collar under a rolled head) the two differ by
# pixels, and a hard switch cut the astronaut's collar with a vertical step.
FINE_FEATHER = 0.1
HEAD_BOX_MARGIN = 0.15  # face widths around the head's region, rendered bicubic
LAYER_REACH = 0.08  # face widths the body (breathing, swaying) may reach beyond where it lies in the photo
BAND_ROWS = 32  # the body is rendered in bands of rows, each only as wide as the person in it
SNAP_PX = 0.02  # warp displacements smaller than this are none
RESHARPEN_MAX = 1.0  # the most unsharp masking over the head, where it is sampled half a pixel off each way,
SOLID = 0.99  # ... and only where the moved person's matte is at least this
# Frames rendered at once. A crop of up to BIG_CROP pixels takes 16: the per-call work of the
# painters and the spans' many small steps is then shared by more frames (at 512² 5.1 against 5.7 ms
# per frame, at 768² 9.1 against 9.8). A larger one takes 8, which keeps its head's warp and paint
# in cache (at 1024×1536 16 was 10–20 % slower). On a CPU a big head takes fewer still: the most (a
# power of two, at least MIN_BATCH) whose head spans hold at most HEAD_PIXELS_PER_BATCH pixels. End
# to end, render ms per frame at batches 4/8/16 (three rounds each, the encoder running beside): a
# 1024² close-up of a man (a 1.05M-pixel head) 53-68/59-75/67-88, a 768² one (590k) 28-34/30/33-37;
# the astronaut's face as a 1024² close-up (551k) renders fastest at 16 (31-32 against 37-43 at 4).
HEAD_PIXELS_PER_BATCH, MIN_BATCH = 9_000_000, 4
SMALL_CROP_BATCH, BIG_CROP_BATCH, BIG_CROP = 16, 8, 1 << 20
# Where the person is at least this solid, what lies behind is the clean plate: the photo there
# holds the person's own edge, which would show as a ghost outline once the person moves away.
UNCOVER_MATTE = 0.05
# Just outside the layer (within this many face widths of where it is at least FRINGE_SOLID), a
# pixel coloured part way from the plate toward the person's edge is that share person: the fringe of
# hair. Only where the edge differs from the plate by FRINGE_CONTRAST (else grain would read as person).
FRINGE_REACH, FRINGE_SOLID, FRINGE_CONTRAST = 0.05, 0.5, 0.15
FRINGE_FIT = 0.25  # ... and only a colour within this share of that contrast of the line between them
# How far (0..1) the person's premultiplied colour may stray outside 0..matte: under a nearly solid
# person nothing of what lies behind is seen, so it keeps the plate's colour there.
LAYER_SLACK = 2 / 255


def _fringe(photo: torch.Tensor, plate: torch.Tensor, layer: torch.Tensor, reach: int) -> torch.Tensor:
    """``[1, 1, h, w]``: how much of the person each pixel where the layer is faint or nothing holds,
    read from its colour: its share of the way from the plate toward the person's own edge colour
    nearby (0 where that says no more than the layer).

    The segmenter leaves out the faint fringe of hair; left in the background it stays behind as a
    ghost outline when the head moves. Where the person's edge has the plate's colour, the fringe
    is nothing (the background is not dragged along).
    """
    def box(x: torch.Tensor) -> torch.Tensor:  # mean over the square within reach, in two passes
        x = F.avg_pool2d(x, (1, 2 * reach + 1), 1, (0, reach), count_include_pad=False)
        return F.avg_pool2d(x, (2 * reach + 1, 1), 1, (reach, 0), count_include_pad=False)

    solid = (layer >= FRINGE_SOLID).float()
    near = box(solid)
    edge = box(photo * solid) / near.clamp_min(1e-6)
    toward = edge - plate
    contrast = toward.square().sum(1, keepdim=True)
    step = photo - plate
    share = (step * toward).sum(1, keepdim=True) / contrast.clamp_min(1e-6)
    # A colour off the line from the plate to the edge (a collar beside the jaw, a neighbour's
    # shoulder) is something else, not a faint part of the person.
    off_line = (step - share * toward).square().sum(1, keepdim=True)
    fits = (off_line <= FRINGE_FIT ** 2 * contrast) & (share <= 1 + FRINGE_FIT) & (contrast >= FRINGE_CONTRAST ** 2)
    fringe = share.clamp(0, 1) * ((near > 0) & fits & (layer < FRINGE_SOLID)).float()
    return torch.where(fringe > torch.maximum(layer, torch.full_like(layer, LAYER_FLOOR)), fringe, torch.zeros_like(fringe))


def _within_layer_bounds(photo: torch.Tensor, behind: torch.Tensor, layer: torch.Tensor) -> torch.Tensor:
    """``behind`` moved toward ``photo`` just far enough that the person's premultiplied colour
    ``photo - (1 - layer)·behind`` stays within ``0..layer`` (give or take ``LAYER_SLACK``).

    All channels move by one share along the line from the photo, so what is behind keeps a hue the
    photo or plate has: bounds applied channel by channel turn a black-red pixel's plate pure red.
    """
    seen = (1 - layer).clamp_min(1e-3)
    room_up = photo * layer / seen + LAYER_SLACK / seen  # how much brighter than the photo behind may be
    room_down = -(1 - photo) * layer / seen - LAYER_SLACK / seen  # and darker (negative)
    step = behind - photo
    share = torch.where(step > 0, room_up / step.clamp_min(1e-6), torch.where(step < 0, room_down / step.clamp_max(-1e-6),
                                                                              torch.ones_like(step)))
    return photo + share.amin(dim=1, keepdim=True).clamp(0, 1) * step


def frame_tracks(features: Features, motion: Motion | None) -> dict[str, np.ndarray]:
    """Every channel the renderer draws, ``[n_frames]`` each: the mouth from the features plus the
    motion's channels (a motion channel named like a mouth control adds to it)."""
    n = features.n_frames
    tracks = {name: np.zeros(n, np.float32) for name in DRAWN}
    for name in MOUTH_CONTROLS:
        tracks[name] += getattr(features, name)
    if motion is not None:
        if motion.n_frames != n or motion.fps != features.fps:
            raise InputError(f"the motion has {motion.n_frames} frames at {motion.fps:g} fps but the speech features "
                             f"{n} at {features.fps:g} fps; make the motion from the same FEATURES.")
        unknown = sorted(set(motion.channels) - set(DRAWN))
        if unknown:
            raise InputError(f"the renderer cannot draw the motion channel(s) {', '.join(unknown)}; "
                             f"it draws {', '.join(DRAWN)}.")
        for name, values in motion.channels.items():
            tracks[name] = tracks[name] + values.astype(np.float32)
    for name in UNIT_RANGE:
        tracks[name] = np.clip(tracks[name], 0.0, 1.0)
    return tracks


@dataclass(frozen=True)
class Lattice:
    """Where the spline is evaluated: ``points`` ``[1, M, 2]`` (crop pixels / scale) on a ``grid_hw``
    lattice over ``out_hw`` crop pixels; ``still`` is the ``grid_sample`` coordinate of each point
    (no motion) and ``fade`` how much of the motion it keeps (0 on the photo's edge)."""

    points: torch.Tensor
    grid_hw: tuple[int, int]
    out_hw: tuple[int, int]
    still: torch.Tensor
    fade: torch.Tensor
    body: torch.Tensor  # [1, M, 1]: how much of the body's shift each point takes, over the crop's scale
    head: torch.Tensor  # [1, M, 1]: how much of the head's motion (the spline's) each point keeps
    snap: float  # SNAP_PX over the crop's scale

    def field(self, coeffs: torch.Tensor, centers: torch.Tensor, gain: torch.Tensor,
              body_shift: torch.Tensor) -> torch.Tensor:
        """``grid_sample`` coordinates ``[B, 2, gh, gw]`` at the lattice's points: where the body has
        carried a point from, then where the head's spline takes that from."""
        points = self.points - self.body * body_shift[:, None, :]
        values = torch.lerp(points, thin_plate.evaluate(coeffs, centers, points), self.head) * gain - 1.0
        values = values.reshape(-1, *self.grid_hw, 2).permute(0, 3, 1, 2)
        values = torch.lerp(self.still, values, self.fade)
        # The spline reaches everywhere: a moving mouth shifts the hair by a thousandth of a pixel,
        # which resampling turns into changed pixels. Below SNAP_PX nothing moves.
        still = ((values - self.still).abs() * (1 / gain[None, :, None, None]) < self.snap).all(1, keepdim=True)
        return torch.where(still, self.still, values)


def _binomial_blur(images: torch.Tensor) -> torch.Tensor:
    """``images`` ``[B, C, H, W]`` blurred by the 3×3 binomial kernel, edges replicated (shifted sums:
    a depthwise convolution is several times slower on the CPU)."""
    padded = F.pad(images, (1, 1, 1, 1), mode="replicate")
    rows = padded[..., :-2] + 2 * padded[..., 1:-1] + padded[..., 2:]
    return (rows[..., :-2, :] + 2 * rows[..., 1:-1, :] + rows[..., 2:, :]) / 16


def _laplacian(gray: torch.Tensor) -> torch.Tensor:
    return gray[..., 1:-1, :-2] + gray[..., 1:-1, 2:] + gray[..., :-2, 1:-1] + gray[..., 2:, 1:-1] - 4 * gray[..., 1:-1, 1:-1]


def resharpen_strength(face: torch.Tensor) -> float:
    """The unsharp-mask strength that gives ``face`` (``[1, 3, h, w]``, 0..1), resampled half a pixel
    off each way (bicubic, as the head is), back its fine detail (the Laplacian's variance): a sharp
    photo loses much (the astronaut 0.62 of it), a soft or enlarged one little, and sharpening
    those more than they lost would make them crunchy."""
    h, w = face.shape[-2:]
    if min(h, w) < 8:
        return 0.0
    ys = (torch.arange(h, dtype=torch.float32, device=face.device) + 0.5) * 2 / (h - 1) - 1
    xs = (torch.arange(w, dtype=torch.float32, device=face.device) + 0.5) * 2 / (w - 1) - 1
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1)[None]
    half = F.grid_sample(face, grid, mode="bicubic", padding_mode="border", align_corners=True)
    weights = face.new_tensor(BT601)[None, :, None, None]
    gray = lambda images: (images * weights).sum(1)[..., 1:-2, 1:-2]  # the shifted edge is the border's
    lost, detail, own = (_laplacian(gray(x)).flatten() for x in (half, half - _binomial_blur(half), face))
    a = float(detail.var(unbiased=False))
    b = float(((lost - lost.mean()) * (detail - detail.mean())).mean())
    c = float(lost.var(unbiased=False) - own.var(unbiased=False))
    if c >= 0 or a <= 0:
        return 0.0
    return min(RESHARPEN_MAX, (-b + (b * b - a * c) ** 0.5) / a)  # var(lost + k·detail) = var(own)


def _bilinear_weights(pixels: torch.Tensor, size: int, cells: int) -> torch.Tensor:
    """``[len(pixels), cells]``: the weights that interpolate a lattice of ``cells`` points spread
    over ``size`` pixels (ends on the first and last pixel) at each of ``pixels``."""
    at = pixels.double() * ((cells - 1) / max(size - 1, 1))
    below = at.floor().clamp(max=cells - 2).long()
    frac = (at - below).float()
    weights = torch.zeros(len(pixels), cells, dtype=torch.float32, device=pixels.device)
    weights.scatter_(1, below[:, None], (1 - frac)[:, None])
    weights.scatter_(1, below[:, None] + 1, frac[:, None])
    return weights


@dataclass(frozen=True)
class Span:
    """A box of the crop rendered in one piece: ``rows``/``cols`` slices, how it is resampled, and
    the bilinear weights that carry the coarse lattice onto its pixels (``[h, gh]``, ``[gw, w]``):
    two small matrix products instead of a ``grid_sample`` per pixel."""

    rows: slice
    cols: slice
    mode: str
    row_weights: torch.Tensor
    col_weights: torch.Tensor

    def from_lattice(self, field: torch.Tensor) -> torch.Tensor:
        """The coarse lattice's ``field`` ``[B, 2, gh, gw]`` at the span's pixels, ``[B, h, w, 2]``."""
        return (self.row_weights @ field @ self.col_weights).permute(0, 2, 3, 1)


class Renderer:
    """Renders frames of one portrait; construct once, call ``render`` per batch of tracks."""

    def __init__(self, portrait: Portrait, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.portrait = portrait
        self.rig = FaceRig(portrait, self.device)
        self.grain = Grain(portrait)
        self.interior = MouthInterior(portrait, self.device, self.grain)
        self.lashes = torch.tensor(own_lashes(portrait), dtype=torch.float32, device=self.device)
        x0, y0, x1, y1 = portrait.crop
        self.crop = (x0, y0, x1, y1)
        h, w = y1 - y0, x1 - x0
        closed = close_photo(portrait.image, portrait.landmarks)
        self.photo = torch.from_numpy(np.ascontiguousarray(closed).copy()).to(self.device)  # uint8 [H, W, 3]
        self.crop_u8 = self.photo[y0:y1, x0:x1]
        photo = self.crop_u8.permute(2, 0, 1)[None].float() / 255.0
        self.scale = float(max(h, w) - 1)
        head = head_box(portrait)
        as_photographed = photo
        # The face warps without its glasses' rims, which are laid over it rigid.
        self.rims, photo = self._rims(portrait, photo, (slice(head[1], head[3]), slice(head[0], head[2])))
        layer = torch.from_numpy(np.ascontiguousarray(portrait.crop_layer())).to(self.device)[None, None]
        if portrait.layered:
            plate = torch.from_numpy(np.array(portrait.clean_plate[y0:y1, x0:x1])).to(self.device).permute(2, 0, 1)[None]
            # Where the layer was cut from a larger person (another person touching this one), what
            # its motion uncovers is that person as the photo shows them, not the plate's fill.
            person = torch.from_numpy(solid_person(portrait.person_matte[y0:y1, x0:x1])).to(self.device)[None, None]
            others = (1 - 4 * (person - layer)).clamp(0, 1)
            plate = plate.float() / 255.0
            fringe = _fringe(photo, plate, layer, max(1, round(FRINGE_REACH * portrait.face_width))) * others
            layer = torch.maximum(layer, fringe)
            behind = torch.lerp(photo, plate, ((layer / UNCOVER_MATTE).clamp(0, 1) + (fringe > 0).float()).clamp(0, 1) * others)
            # The photo is layer·person + (1 - layer)·behind, so the person's colour stays within 0..1
            # only where behind is no brighter than photo / (1 - layer) nor darker than
            # (photo - layer) / (1 - layer). A plate brighter than a shadowed edge would otherwise leave
            # the layer a negative colour that drags a dark line along the edge as the person moves.
            behind = _within_layer_bounds(photo, behind, layer)
        else:
            behind = photo
        self.behind = behind  # what shows where the moved layer is not: the photo, or the plate where the person was
        self.layer = torch.cat([photo - (1 - layer) * behind, layer], dim=1)  # premultiplied colour + matte
        fx0, fy0, fx1, fy1 = portrait.face_box
        face = _box(portrait, ((fx0 + fx1) / 2, (fy0 + fy1) / 2 + FACE_BOX_DROP * portrait.face_height),
                    (portrait.face_width / 2, portrait.face_height / 2 + FACE_BOX_DROP * portrait.face_height),
                    FACE_BOX_MARGIN)
        self.face = (slice(max(face[1], head[1]), min(face[3], head[3])), slice(max(face[0], head[0]), min(face[2], head[2])))
        self.resharpen = resharpen_strength(as_photographed[:, :, self.face[0], self.face[1]])
        self._bt601 = torch.from_numpy(BT601).to(self.device)
        self.fine = self._lattice(self.face, GRID_CELLS_PER_FACE)
        self.fine_weight = self._feather(self.face, max(1.0, FINE_FEATHER * portrait.face_width))
        self.coarse = self._lattice((slice(0, h), slice(0, w)), BODY_CELLS_PER_FACE)
        self.head = self._span(slice(head[1], head[3]), slice(head[0], head[2]), "bicubic")
        self.spans = [self.head] + self._body_spans(head, int(np.ceil(LAYER_REACH * portrait.face_width)))
        self.source_norm = torch.as_tensor(self.rig.source / self.scale, device=self.device)
        self.step_s: dict[str, float] = {}  # seconds spent per step, summed over calls (for the benchmark)

    def _rims(self, portrait: Portrait, photo: torch.Tensor,
              head: tuple[slice, slice]) -> tuple[RimLayer | None, torch.Tensor]:
        """The glasses' rims, when the face wears glasses whose rims lie inside the crop, and the
        crop ``photo`` without them (as it is without glasses)."""
        rims = portrait.rims
        x0, y0, x1, y1 = self.crop
        if rims is None or rims.box[0] < x0 or rims.box[1] < y0 or rims.box[2] > x1 or rims.box[3] > y1:
            return None, photo
        anchors = self.rig.unmoved(fr.RIGHT_EYE_CORNERS + fr.LEFT_EYE_CORNERS + fr.NOSE_BRIDGE)
        return RimLayer.lift(rims, photo, (x0, y0), head, anchors, self.rig.source_points, portrait.face_width, SNAP_PX)

    def _feather(self, box: tuple[slice, slice], width: float) -> torch.Tensor:
        """``[1, h, w, 1]`` weights of the fine lattice's field over ``box``: 1 inside, falling to 0 over
        ``width`` px at each side that lies inside the crop, where the coarse field takes over."""
        def ramp(span: slice, size: int) -> np.ndarray:
            inward = np.arange(span.stop - span.start) + 0.5  # from the first pixel's centre
            rise = inward / width if span.start > 0 else np.ones_like(inward)
            fall = inward[::-1] / width if span.stop < size else np.ones_like(inward)
            return np.clip(np.minimum(rise, fall), 0, 1)

        h, w = self.crop_u8.shape[:2]
        rows, cols = box
        weight = smoothstep(np.outer(ramp(rows, h), ramp(cols, w)))
        return torch.as_tensor(weight, dtype=torch.float32, device=self.device)[None, :, :, None]

    def _span(self, rows: slice, cols: slice, mode: str) -> Span:
        h, w = self.crop_u8.shape[:2]
        gh, gw = self.coarse.grid_hw
        ys = torch.arange(rows.start, rows.stop, device=self.device)
        xs = torch.arange(cols.start, cols.stop, device=self.device)
        return Span(rows, cols, mode, _bilinear_weights(ys, h, gh), _bilinear_weights(xs, w, gw).T.contiguous())

    def _body_spans(self, head: tuple[int, int, int, int], reach: int) -> list[Span]:
        """Bands of rows covering every pixel the moving layer can reach outside the head's box."""
        layer = self.portrait.crop_layer() > 0
        h, w = layer.shape
        used = layer.any(axis=1)
        first = np.where(used, layer.argmax(axis=1), w)
        last = np.where(used, w - 1 - layer[:, ::-1].argmax(axis=1), -1)
        hx0, hy0, hx1, hy1 = head
        cuts = sorted({0, h, hy0, hy1, *range(0, h, BAND_ROWS)})
        spans = []
        for r0, r1 in zip(cuts[:-1], cuts[1:]):
            near = slice(max(0, r0 - reach), min(h, r1 + reach))
            c0, c1 = max(0, int(first[near].min()) - reach), min(w, int(last[near].max()) + 1 + reach)
            pieces = [(c0, c1)] if r0 >= hy1 or r1 <= hy0 else [(c0, min(c1, hx0)), (max(c0, hx1), c1)]
            spans += [self._span(slice(r0, r1), slice(a, b), "bilinear") for a, b in pieces if b > a]
        return spans

    def _lattice(self, box: tuple[slice, slice], cells_per_face: float) -> Lattice:
        """A lattice over the crop's pixels in ``box``, ``cells_per_face`` cells across a face width."""
        rows, cols = box
        h, w = rows.stop - rows.start, cols.stop - cols.start
        cells = max(8, min(MAX_GRID, int(cells_per_face * max(h, w) / self.portrait.face_width)))
        gh, gw = max(8, round(cells * h / max(h, w))), max(8, round(cells * w / max(h, w)))
        ys = torch.linspace(rows.start, rows.stop - 1, gh, dtype=torch.float64)
        xs = torch.linspace(cols.start, cols.stop - 1, gw, dtype=torch.float64)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        crop_h, crop_w = self.crop_u8.shape[:2]
        still = torch.stack([gx * (2 / max(crop_w - 1, 1)) - 1, gy * (2 / max(crop_h - 1, 1)) - 1])[None]
        as_float = lambda v: torch.as_tensor(v).to(torch.float32).to(self.device)
        points = torch.stack([gx, gy], -1).reshape(-1, 2)
        fade = self.rig.edge_fade(points.numpy()).reshape(gh, gw)
        body = self.rig.body_weight(points.numpy()) / self.scale
        head = self.rig.head_reach(points.numpy())
        return Lattice(as_float(points[None] / self.scale), (gh, gw), (h, w), as_float(still),
                       as_float(fade)[None, None], as_float(body)[None, :, None], as_float(head)[None, :, None],
                       SNAP_PX / self.scale)

    def _lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.step_s[step] = self.step_s.get(step, 0.0) + now - since
        return now

    def frames_buffer(self, batch: int) -> torch.Tensor:
        """``[batch, H, W, 3]`` uint8 frames of the photo, for ``render(out=…)`` to write crops into."""
        return self.photo[None].expand(batch, -1, -1, -1).clone()

    def matte_buffer(self, batch: int) -> torch.Tensor:
        """``[batch, H, W]`` float32 of the animated person's layer, for ``render(matte_out=…)``."""
        layer = torch.from_numpy(self.portrait.layer).to(self.device)
        return layer[None].expand(batch, -1, -1).clone()

    @torch.no_grad()
    def render(self, tracks: dict[str, np.ndarray], out: torch.Tensor | None = None,
               matte_out: torch.Tensor | None = None) -> torch.Tensor:
        """A batch of full frames ``[B, H, W, 3]`` uint8 for tracks of length B. With ``out`` (from
        ``frames_buffer``, holding the photo outside the crop) only the crop is written, into it.
        With ``matte_out`` (from ``matte_buffer``) the moved person matte ``[B, H, W]`` is written too."""
        clock = time.perf_counter()
        t = {k: torch.as_tensor(v, dtype=torch.float32, device=self.device) for k, v in tracks.items()}
        b = len(t["jaw_open"])
        h, w = self.crop_u8.shape[:2]
        targets, teeth_line = self.rig.targets(t)
        shift = self.rig.body_shift(t)
        centers = targets / self.scale
        clock = self._lap("rig", clock)
        coeffs = thin_plate.fit(centers, self.source_norm[None].expand(b, -1, -1))
        clock = self._lap("tps_fit", clock)
        gain = torch.tensor([2 * self.scale / max(w - 1, 1), 2 * self.scale / max(h - 1, 1)], device=self.device)
        coarse = self.coarse.field(coeffs, centers, gain, shift)
        fine = F.interpolate(self.fine.field(coeffs, centers, gain, shift), size=self.fine.out_hw, mode="bilinear",
                             align_corners=True).permute(0, 2, 3, 1)
        targets = targets + self.rig.body[None, :, None] * shift[:, None, :]  # where the features are drawn
        teeth_line = teeth_line + self.rig.body[self.rig.inner_upper][None, :, None] * shift[:, None, :]
        clock = self._lap("tps_field", clock)
        frames = self.frames_buffer(b) if out is None else out
        x0, y0 = self.crop[:2]
        for span in self.spans:
            grid = span.from_lattice(coarse)
            if span is self.head:
                rows, cols = self.face
                grid[:, rows.start - span.rows.start: rows.stop - span.rows.start,
                     cols.start - span.cols.start: cols.stop - span.cols.start].lerp_(fine, self.fine_weight)
            clock = self._lap("tps_field", clock)
            # Bicubic over the head: bilinear sampling at fractional offsets halves the face's detail
            # (Laplacian variance 0.57x the photo's in the sync report, bicubic 0.85x). The body
            # moves by a pixel or two and takes bilinear, a third of the cost.
            moved = F.grid_sample(self.layer.expand(b, -1, -1, -1), grid.contiguous(), mode=span.mode,
                                  padding_mode="border", align_corners=True)
            if span is self.head:
                self._resharpen(moved, grid, span)
            matte = moved[:, 3:].clamp_(0, 1)
            matte.masked_fill_(matte < LAYER_FLOOR / 2, 0.0)
            warped = moved[:, :3].mul_((matte > 0).float())
            clock = self._lap("warp", clock)
            if span is self.head:
                warped = self._paint(warped, targets, teeth_line, t, span)
                if self.rims is not None:
                    warped = self.rims.over(warped, matte, targets, (span.cols.start, span.rows.start))
                clock = self._lap("paint", clock)
            # Where neither the layer nor its moved matte is, the colour is zeroed above and what is
            # behind is the photo itself: the composite rounds back to the photo's own pixel.
            composite = warped.addcmul_(1 - matte, self.behind[:, :, span.rows, span.cols])
            pixels = composite.mul_(255).add_(0.5).clamp_(0.5, 255.5).to(torch.uint8).permute(0, 2, 3, 1)
            rows = slice(y0 + span.rows.start, y0 + span.rows.stop)
            cols = slice(x0 + span.cols.start, x0 + span.cols.stop)
            frames[:, rows, cols] = pixels
            if matte_out is not None:
                matte_out[:, rows, cols] = matte[:, 0]
            clock = self._lap("composite", clock)
        return frames

    def _resharpen(self, moved: torch.Tensor, grid: torch.Tensor, span: Span) -> None:
        """Give back the detail resampling took from the face (in place in ``moved``, the head span's
        warped layer): sampled between pixels, bicubic keeps 0.95 of a face's fine detail (Laplacian
        variance) at a tenth of a pixel each way and 0.60–0.74 at half a pixel, so as the head drifts
        through sub-pixel offsets its pores and lashes would soften and sharpen by turns, and the face
        would look softer than the still photo it moves in. Each pixel of the face's box is
        unsharp-masked by how far between pixels it was sampled (the loss grows with the square of
        f·(1 − f) per axis), only where the person is solid (no halo at the matte's edge)."""
        if self.resharpen == 0:
            return
        rows, cols = self.face
        rows = slice(rows.start - span.rows.start, rows.stop - span.rows.start)
        cols = slice(cols.start - span.cols.start, cols.stop - span.cols.start)
        h, w = self.crop_u8.shape[:2]
        half = grid.new_tensor([(w - 1) / 2, (h - 1) / 2])
        at = torch.addcmul(half, grid[:, rows, cols], half)  # crop pixels
        frac = at.sub_(at.floor())
        lost = frac.mul_(frac - 1).mul_(-4).square_().sum(-1)  # (4·f·(1 − f))² summed over x and y
        colour = moved[:, :3, rows, cols]
        gray = torch.einsum("bchw,c->bhw", colour, self._bt601)[:, None]  # the detail is luma's: no colour fringes
        amount = (lost * (self.resharpen / 2)).mul_(moved[:, 3, rows, cols] >= SOLID)[:, None]
        colour.add_(amount.mul_(gray - _binomial_blur(gray)))

    def _paint(self, warped: torch.Tensor, targets: torch.Tensor, teeth_line: torch.Tensor,
               t: dict[str, torch.Tensor], span: Span) -> torch.Tensor:
        """The mouth's inside, the irises where the gaze turns them, and the eyelids, painted into the
        head's span."""
        shift = torch.tensor([span.cols.start, span.rows.start], dtype=targets.dtype, device=targets.device)
        at = targets - shift
        source = self.rig.source_points
        moved = teeth_line.mean(1) - source[self.rig.inner_upper].mean(0)  # the skull-fixed upper lip's move
        warped = self.interior.paint(warped, at[:, self.rig.inner_upper], at[:, self.rig.inner_lower],
                                     teeth_line - shift, self.rig.mouth_width, t["jaw_open"] * (1 - t["lip_press"]),
                                     moved)
        for eye, (channel, upper, lower, opening) in enumerate(self.rig.eyes):
            centre, radius, along, across = self.rig.iris(at, eye)
            turn = iris_shift(t["gaze_x"], t["gaze_y"], radius)
            warped = move_iris(warped, at[:, upper], at[:, lower], centre, radius,
                               turn[:, :1] * along + turn[:, 1:] * across)
            corners = [upper[0], upper[-1]]
            moved = targets[:, corners].mean(1) - source[corners].mean(0)
            warped = paint_eyelid(warped, at[:, upper], at[:, lower], t[channel], opening, self.grain, self.lashes,
                                  moved)
        return warped


def _box(portrait: Portrait, center: tuple[float, float], radii: tuple[float, float],
         margin: float) -> tuple[int, int, int, int]:
    """Crop pixels ``x0, y0, x1, y1`` of a box around ``center``, ``margin`` face widths beyond ``radii``."""
    x0, y0, x1, y1 = portrait.crop
    m = margin * portrait.face_width
    return (max(0, int(center[0] - radii[0] - m) - x0), max(0, int(center[1] - radii[1] - m) - y0),
            min(x1 - x0, int(np.ceil(center[0] + radii[0] + m)) - x0),
            min(y1 - y0, int(np.ceil(center[1] + radii[1] + m)) - y0))


def head_box(portrait: Portrait) -> tuple[int, int, int, int]:
    """The head's span in crop pixels ``x0, y0, x1, y1``: rendered bicubic, resharpened and painted."""
    return _box(portrait, portrait.region_center, portrait.region_radii, HEAD_BOX_MARGIN)


def batch_size_for(portrait: Portrait, device: torch.device | str = "cpu") -> int:
    """How many frames of this portrait to render at once (see SMALL_CROP_BATCH)."""
    x0, y0, x1, y1 = portrait.crop
    by_crop = SMALL_CROP_BATCH if (x1 - x0) * (y1 - y0) <= BIG_CROP else BIG_CROP_BATCH
    if torch.device(device).type != "cpu":  # the cache argument is a CPU's
        return by_crop
    x0, y0, x1, y1 = head_box(portrait)
    fits = HEAD_PIXELS_PER_BATCH // max(1, (x1 - x0) * (y1 - y0))
    return min(by_crop, max(MIN_BATCH, 1 << max(0, int(fits).bit_length() - 1)))


def render_frames(portrait: Portrait, features: Features, motion: Motion | None = None,
                  device: torch.device | str = "cpu", batch_size: int | None = None,
                  progress: Progress | None = None) -> Iterator[torch.Tensor]:
    """Yield batches of uint8 frames ``[B, H, W, 3]`` covering all ``features.n_frames``.

    The batches share one buffer (only the crop around the person is rewritten): each is valid
    until the next is requested, so copy a batch to keep it. ``progress(done, total)`` is called
    after each batch and may raise to stop rendering.
    """
    for frames, _ in render_frames_and_mattes(portrait, features, motion, device, batch_size, progress, False):
        yield frames


def render_frames_and_mattes(portrait: Portrait, features: Features, motion: Motion | None = None,
                             device: torch.device | str = "cpu", batch_size: int | None = None,
                             progress: Progress | None = None,
                             mattes: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """As ``render_frames``, each batch with the moved person matte ``[B, H, W]`` float32 0..1 (the
    animated person where they are in that frame: for keying or a new background), or None
    without ``mattes``. ``batch_size`` frames are rendered at once (by default ``batch_size_for``)."""
    batch_size = batch_size or batch_size_for(portrait, device)
    if batch_size < 1:
        raise InputError(f"batch size {batch_size} is not a number of frames; use 0 (automatic) or more.")
    renderer = Renderer(portrait, device)
    tracks = frame_tracks(features, motion)
    n = features.n_frames
    buffer = renderer.frames_buffer(min(batch_size, n))
    matte_buffer = renderer.matte_buffer(min(batch_size, n)) if mattes else None
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        matte = None if matte_buffer is None else matte_buffer[:stop - start]
        frames = renderer.render({k: v[start:stop] for k, v in tracks.items()}, buffer[:stop - start], matte)
        yield frames, matte
        if progress is not None:
            progress(stop, n)
