"""The renderer: per-frame tracks → full-resolution frames, by a landmark-driven thin-plate warp.

Only the crop around the head is computed; it is feathered back into the photo so every pixel
where the region weight is zero is the photo's own pixel, bit for bit, in every frame.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from ..common.channels import DRAWN, MOUTH_CONTROLS, UNIT_RANGE
from ..common.errors import InputError
from ..common.progress import Progress
from ..face.portrait import Portrait
from ..motion.head import Motion
from ..mouth.features import Features
from . import thin_plate
from .eyelids import paint_eyelid
from .mouth_interior import MouthInterior
from .rig import FaceRig

GRID_CELLS_PER_FACE = 24  # warp-field lattice resolution: cells across the face width
MAX_GRID = 160
DEFAULT_BATCH = 16


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


class Renderer:
    """Renders frames of one portrait; construct once, call ``render`` per batch of tracks."""

    def __init__(self, portrait: Portrait, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.portrait = portrait
        self.rig = FaceRig(portrait, self.device)
        self.interior = MouthInterior(portrait, self.device)
        x0, y0, x1, y1 = portrait.crop
        self.crop = (x0, y0, x1, y1)
        h, w = y1 - y0, x1 - x0
        self.photo = torch.from_numpy(np.ascontiguousarray(portrait.image).copy()).to(self.device)  # uint8 [H, W, 3]
        crop_u8 = self.photo[y0:y1, x0:x1]
        self.crop_u8 = crop_u8
        self.crop_f = crop_u8.permute(2, 0, 1)[None].float() / 255.0
        mask = torch.from_numpy(portrait.crop_mask()).to(self.device)
        self.mask = mask[None, None]
        self.inside = (mask > 0)[None, :, :, None]
        self.scale = float(max(h, w) - 1)
        cells = max(8, min(MAX_GRID, int(GRID_CELLS_PER_FACE * max(h, w) / portrait.face_width)))
        self.grid_hw = (max(8, round(cells * h / max(h, w))), max(8, round(cells * w / max(h, w))))
        self.extent = ((w - 1) / self.scale, (h - 1) / self.scale)
        self.source_norm = torch.as_tensor(self.rig.source / self.scale, device=self.device)
        self.step_s: dict[str, float] = {}  # seconds spent per step, summed over calls (for the benchmark)

    def _lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.step_s[step] = self.step_s.get(step, 0.0) + now - since
        return now

    def frames_buffer(self, batch: int) -> torch.Tensor:
        """``[batch, H, W, 3]`` uint8 frames of the photo, for ``render(out=…)`` to write crops into."""
        return self.photo[None].expand(batch, -1, -1, -1).clone()

    @torch.no_grad()
    def render(self, tracks: dict[str, np.ndarray], out: torch.Tensor | None = None) -> torch.Tensor:
        """A batch of full frames ``[B, H, W, 3]`` uint8 for tracks of length B. With ``out`` (from
        ``frames_buffer``, holding the photo outside the crop) only the crop is written, into it."""
        clock = time.perf_counter()
        t = {k: torch.as_tensor(v, dtype=torch.float32, device=self.device) for k, v in tracks.items()}
        b = len(t["jaw_open"])
        h, w = self.crop_u8.shape[:2]
        targets, teeth_line = self.rig.targets(t)
        centers = targets / self.scale
        clock = self._lap("rig", clock)
        coeffs = thin_plate.fit(centers, self.source_norm[None].expand(b, -1, -1))
        clock = self._lap("tps_fit", clock)
        grid = thin_plate.dense_field(coeffs, centers, self.grid_hw, (h, w), self.extent,
                                      gain=(2 * self.scale / max(w - 1, 1), 2 * self.scale / max(h - 1, 1)),
                                      offset=-1.0)
        clock = self._lap("tps_field", clock)
        # Bicubic, not bilinear: bilinear sampling at fractional offsets halves the face's detail
        # (Laplacian variance 0.57x the photo's in the sync report, bicubic 0.85x) for 4% of the speed.
        warped = F.grid_sample(self.crop_f.expand(b, -1, -1, -1), grid, mode="bicubic",
                               padding_mode="border", align_corners=True)
        clock = self._lap("warp", clock)
        warped = self.interior.paint(
            warped, targets[:, self.rig.inner_upper], targets[:, self.rig.inner_lower],
            teeth_line, self.rig.mouth_width, t["jaw_open"] * (1 - t["lip_press"]))
        for channel, upper, lower, opening in self.rig.eyes:
            warped = paint_eyelid(warped, targets[:, upper], targets[:, lower], t[channel], opening)
        clock = self._lap("paint", clock)
        blended = torch.lerp(self.crop_f.expand_as(warped), warped, self.mask)
        crop_out = blended.mul_(255).add_(0.5).clamp_(0.5, 255.5).to(torch.uint8).permute(0, 2, 3, 1)
        crop_out = torch.where(self.inside, crop_out, self.crop_u8[None])
        x0, y0, x1, y1 = self.crop
        frames = self.frames_buffer(b) if out is None else out
        frames[:, y0:y1, x0:x1] = crop_out
        self._lap("paste", clock)
        return frames


def render_frames(portrait: Portrait, features: Features, motion: Motion | None = None,
                  device: torch.device | str = "cpu", batch_size: int = DEFAULT_BATCH,
                  progress: Progress | None = None) -> Iterator[torch.Tensor]:
    """Yield batches of uint8 frames ``[B, H, W, 3]`` covering all ``features.n_frames``.

    The batches share one buffer (only the crop around the head is rewritten): each is valid
    until the next is requested, so copy a batch to keep it. ``progress(done, total)`` is called
    after each batch and may raise to stop rendering.
    """
    renderer = Renderer(portrait, device)
    tracks = frame_tracks(features, motion)
    n = features.n_frames
    buffer = renderer.frames_buffer(min(batch_size, n))
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        yield renderer.render({k: v[start:stop] for k, v in tracks.items()}, buffer[:stop - start])
        if progress is not None:
            progress(stop, n)
