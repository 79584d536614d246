"""Glasses' rims as a layer of their own over the warped face: rigid, they go where the head takes
the eyes' corners and the bridge of the nose (which no expression moves), while the skin behind
them blinks, squints and smiles."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..face.glasses import Rims

REACH = 0.15  # face widths: the farthest the head may carry a rim from where the photo has it


class RimLayer:
    """The rims (premultiplied colour and alpha) of one portrait's glasses, for ``over`` to lay on
    each batch of warped heads; ``lift`` makes one from the photo, and the photo without them for
    the face's warp."""

    def __init__(self, colour: torch.Tensor, rows: slice, cols: slice, head: tuple[slice, slice], anchors: list[int],
                 source: torch.Tensor, face_width: float, snap: float):
        """``colour`` ``[1, 4, h, w]``: the rims' premultiplied colour and alpha over the crop's
        ``rows`` and ``cols``; ``head``: the crop's rows and columns the head is rendered in;
        ``anchors``: control points that move with the head only, whose ``source`` ``[K, 2]`` (crop
        pixels) holds where they are in the photo."""
        self._colour, self.rows, self.cols = colour, rows, cols
        reach = int(REACH * face_width) + 2
        head_rows, head_cols = head  # the rims are drawn within the head's span, at most REACH from where they were
        self._bounds = (max(head_cols.start, cols.start - reach), max(head_rows.start, rows.start - reach),
                        min(head_cols.stop, cols.stop + reach), min(head_rows.stop, rows.stop + reach))
        left, right, top, bottom = cols.start, cols.stop - 1, rows.start, rows.stop - 1
        self._corners = source.new_tensor([[left, top, 1], [right, top, 1], [left, bottom, 1], [right, bottom, 1]])
        self._anchors = torch.as_tensor(anchors, device=source.device)
        self._source = source[self._anchors]
        self._snap = snap

    @classmethod
    def lift(cls, rims: Rims, photo: torch.Tensor, origin: tuple[int, int], head: tuple[slice, slice],
             anchors: list[int], source: torch.Tensor, face_width: float, snap: float) -> tuple[RimLayer, torch.Tensor]:
        """The rims lifted off the crop ``photo`` ``[1, 3, h, w]`` (0..1; ``origin``: the photo pixel of
        its (0, 0)), and the photo with them taken off. Their colour is premultiplied, within
        0..alpha (a colour beyond would drag what the rim was laid over along with it), and such
        that the rims over the bare photo give the photo back. Faint rim is mostly the photo's own
        skin, solid rim shows the fill behind."""
        x0, y0, x1, y1 = rims.box
        rows, cols = slice(y0 - origin[1], y1 - origin[1]), slice(x0 - origin[0], x1 - origin[0])
        alpha = torch.from_numpy(rims.alpha).to(photo.device)[None, None]
        fill = torch.from_numpy(rims.fill).to(photo.device).permute(2, 0, 1)[None].float() / 255.0
        inside = photo[:, :, rows, cols]
        behind = torch.lerp(inside, fill, (2 * alpha).clamp(max=1))
        colour = torch.minimum((inside - (1 - alpha) * behind).clamp_min(0), alpha)
        solid = alpha >= 1
        behind = torch.where(solid, behind, ((inside - colour) / (1 - alpha).clamp_min(1e-6)).clamp(0, 1))
        bare = photo.clone()
        bare[:, :, rows, cols] = behind
        return cls(torch.cat([colour, alpha], 1), rows, cols, head, anchors, source, face_width, snap), bare

    def over(self, warped: torch.Tensor, matte: torch.Tensor, targets: torch.Tensor,
             span_origin: tuple[int, int]) -> torch.Tensor:
        """The rims laid (in place) over ``warped`` ``[B, 3, h, w]`` (the head's span, colour
        premultiplied by the person's ``matte`` ``[B, 1, h, w]``, its top-left crop pixel at
        ``span_origin`` x, y), moved by the similarity that best takes the anchors from the photo
        to their ``targets`` ``[B, K, 2]`` (crop pixels). The rims are the person's: as solid as
        the person where they land."""
        q = targets[:, self._anchors]
        q_mean, p_mean = q.mean(1, keepdim=True), self._source.mean(0)
        qc, pc = q - q_mean, self._source[None] - p_mean
        norm = qc.square().sum((1, 2)).clamp_min(1e-9)
        a_re = (qc * pc).sum((1, 2)) / norm
        a_im = (qc[..., 0] * pc[..., 1] - qc[..., 1] * pc[..., 0]).sum(1) / norm
        to_photo = torch.zeros(len(q), 3, 3, dtype=q.dtype, device=q.device)  # frame pixel → photo pixel
        to_photo[:, 0, 0], to_photo[:, 0, 1], to_photo[:, 1, 0], to_photo[:, 1, 1] = a_re, -a_im, a_im, a_re
        to_photo[:, :2, 2] = p_mean - (to_photo[:, :2, :2] @ q_mean[:, 0, :, None])[..., 0]
        to_photo[:, 2, 2] = 1
        # Only the box where the texture's corners land is drawn.
        landed = (torch.linalg.inv(to_photo)[:, None] @ self._corners[None, :, :, None])[..., :2, 0]
        lo, hi = landed.amin((0, 1)).floor().int().tolist(), landed.amax((0, 1)).ceil().int().tolist()
        x0, y0, x1, y1 = self._bounds
        out_cols = slice(max(x0, lo[0] - 2), min(x1, hi[0] + 3))
        out_rows = slice(max(y0, lo[1] - 2), min(y1, hi[1] + 3))
        if out_cols.stop <= out_cols.start or out_rows.stop <= out_rows.start:
            return warped
        out_h, out_w = out_rows.stop - out_rows.start, out_cols.stop - out_cols.start
        # Unmoved (below the snap at every corner of that box, so everywhere in it), a frame takes
        # the rims as they are: the photo exactly.
        box = q.new_tensor([[out_cols.start, out_rows.start, 1], [out_cols.stop - 1, out_rows.start, 1],
                            [out_cols.start, out_rows.stop - 1, 1], [out_cols.stop - 1, out_rows.stop - 1, 1]])
        moved = ((to_photo[:, None] @ box[None, :, :, None])[..., 0] - box).abs().amax((1, 2))
        to_photo = torch.where((moved < self._snap)[:, None, None], torch.eye(3, dtype=q.dtype, device=q.device), to_photo)
        h, w = self._colour.shape[-2:]
        from_out = q.new_tensor([[(out_w - 1) / 2, 0, out_cols.start + (out_w - 1) / 2],
                                 [0, (out_h - 1) / 2, out_rows.start + (out_h - 1) / 2], [0, 0, 1]])
        to_texture = q.new_tensor([[2 / max(w - 1, 1), 0, -1 - 2 * self.cols.start / max(w - 1, 1)],
                                   [0, 2 / max(h - 1, 1), -1 - 2 * self.rows.start / max(h - 1, 1)], [0, 0, 1]])
        grid = F.affine_grid((to_texture @ to_photo @ from_out)[:, :2], [len(q), 4, out_h, out_w], align_corners=True)
        rims = F.grid_sample(self._colour.expand(len(grid), -1, -1, -1), grid, mode="bicubic",
                             padding_mode="zeros", align_corners=True)
        alpha = rims[:, 3:].clamp(0, 1)
        x, y = span_origin
        rows = slice(out_rows.start - y, out_rows.stop - y)
        cols = slice(out_cols.start - x, out_cols.stop - x)
        warped[:, :, rows, cols].mul_(1 - alpha).addcmul_(rims[:, :3], matte[:, :, rows, cols])
        return warped
