"""Face rig: per-frame tracks → where each control point of the photo should appear.

Control points are face-mesh landmarks (expression moves them in the image plane, then the head
pose rotates them in 3-D using the landmarks' depth), a ring around the hair and neck that moves
with the head, and anchors farther out and on the crop border that move only with the body:
breathing lifts and the sway shifts everything above the shoulders, fading to nothing at the
photo's bottom edge, so the head rides on the body. Without a body (no person found) the anchors
sit on the region's edge and stay put, so the warp is zero where the paste-back weight is zero.
Every displacement fades out towards the photo's edges, which must never be pulled inwards.
"""
from __future__ import annotations

import numpy as np
import torch

from ..common.easing import smoothstep
from ..face import regions as fr
from ..face.portrait import BORDER_FADE, Portrait, face_tilt
from .closed_mouth import lip_closure
from .gaze import EYEBALL_PER_IRIS

JAW_DROP = 0.17  # lower-lip travel at jaw_open = 1, in face heights
CHIN_FOLLOW = 1.0  # chin travel relative to the lower lip: one rigid jaw
UPPER_LIP_RAISE = 0.12  # upper lip rises this fraction of the jaw travel
CORNER_DROP = 0.4  # the mouth's corners go down this fraction of the jaw travel ...
CORNER_PULL = 0.1  # ... and in by this fraction of the mouth's width
# How far each lip point travels between the corners and the middle: (1 − x²) to this power, x = −1..1
# corner to corner. ½ is an ellipse with round ends; towards 1 the lips meet at pointed corners.
ARC = 0.7
SPREAD = 0.12  # lip points move out by this fraction of their offset from the mouth centre
ROUND = 0.22  # ... and in by this much when rounding
PRESS_UNROUND = 1.0  # pressed lips flatten: this share of the rounding goes while they are pressed
PRESS_THIN = 0.35  # ... and roll in: their outer edges move this share of the lip's height to the seam
# A closed jaw rests with the lips lightly together (this share of a bilabial press), fading out as
# the jaw opens past REST_PRESS_JAW: the relaxed closed mouth of pauses.
REST_PRESS, REST_PRESS_JAW = 0.8, 0.1
# A blink: the warp moves the upper lid (and its skin) this share of the way down; the eyelid
# painter does the rest. Moving it further, or raising the lower lid, streaks the skin around the
# eye and reads less closed to a face detector (0.7-0.9, and a lower lid raised 0.1-0.3, on five
# faces, glasses and a turned face among them).
BLINK_CLOSE = 0.6
# Around each eye, brow over lid fold over upper lid over lower lid: blink, squint, smile, frown,
# gaze and the brows each move some of them, and summed, neighbours crossed (a smile's lifted lower
# lid met a blinking upper one; a frowning brow came down past the fold of a closing lid), folding
# the spline inside out: mirrored, streaked skin. Each pair closes at most MAX_CLOSURE of the gap
# between them in the photo (a smile and squint at full strength close the lids 0.75 without a
# fold), and parts by at most MAX_GROWTH of that gap or of the eye's opening, the larger (a lid
# closing under raised brows stretched the skin above it 4.5-21x: the photo's texture in a bright
# streaked window; a closing lid pulls the brow down in life too). Beyond either, each point of the
# pair gives back by its share of the excess, a raised brow as one piece (held by one fold, it bent).
# On a tilted eye a fold may lie straight above an eye corner, which never moves: a frown and a
# blink brought it down onto the corner. It closes on the corner at most 0.6 (a blink alone closes
# it 0.15-0.59 on the six faces tried, untouched).
MAX_CLOSURE = {"lids": 0.75, "fold over lid": 0.5, "fold over corner": 0.6, "brow over fold": 0.5}
MAX_GROWTH = {"fold over lid": 0.6, "brow over fold": 0.6}
FOLD_FOLLOW = 0.8
LID_FOLLOWS_GAZE = 0.6  # the upper lid follows the iris up and down by this share of its travel
LOWER_LID_FOLLOWS_GAZE = 0.25
BROW_RAISE = 0.05  # in face heights
# A raised brow drags what lies within this many brow-raise distances of it along, the nearer the
# more: on a turned face the far brow's end lies on the face's contour, and a contour point left
# behind was passed by the brow (the spline folded); the lid fold rises at least FOLD_RISE as much.
BROW_CARRY, FOLD_RISE = 1.5, 0.4
BROW_LOWER = 0.05  # a frown: brows down, their inner ends most (face heights) ...
BROW_GATHER = 0.04  # ... and their inner ends towards the middle (face widths)
FROWN_LID = 0.08  # ... with the upper lids a little lower (of the eye's opening)
SMILE_LIFT = 0.045  # mouth corners up, in face heights
SMILE_WIDEN = 0.12  # ... and out, of the mouth's width (each side)
SMILE_LOWER_LID = 0.2  # the lower lids rise as the cheeks would (of the eye's opening): eyes narrow
# Speaking with a smile bares the upper teeth: the upper lip rises this much mid-mouth (of the mouth's
# width, less towards the corners, which the smile lifts anyway), in full once the jaw is
# SMILE_BARES_FROM open; with the lips together a smile keeps them together.
SMILE_BARES, SMILE_BARES_FROM = 0.07, 0.3
SQUINT_LOWER_LID = 0.4  # a squint: lower lids up ...
SQUINT_UPPER_LID = 0.15  # ... and upper lids down, of the eye's opening
HEAD_RING_R = 0.74  # ellipse radius (region units) of the ring that moves with the head
ANCHOR_R = 1.0  # ... and of the anchors that do not (region without a body)
LAYERED_RING_R, LAYERED_ANCHOR_R = 1.0, 1.3  # with a body layer: the whole head, hair included, moves as one
# The spline carries the head's motion past its anchors (it bends least, not nothing: a roll of 8°
# moved the astronaut's chest and helmet by 1–4 px). The head's motion fades out from the anchors
# to this many times their radius, beyond which only the body's breath and sway move anything.
HEAD_REACH = 1.25
N_RING, N_ANCHOR = 20, 28
BREATH_RISE = 0.012  # shoulders' rise at a full breath, in face widths
SHOULDERS_BELOW_CHIN = 0.7  # face heights: everything above this line is carried fully by the body
# Face widths from the face's centre line: the torso breathes and sways within the first, nothing
# beyond the second (an arm's reach: what the hands hold, a neighbour, a chair stay still).
TORSO_HALF_WIDTH, TORSO_FADE_TO = 1.4, 2.0
HEAD_DEPTH = 0.5  # rotation centre behind the face surface, in face widths
DEPTH_RELIEF = 0.4  # landmark depth around its median is softly limited to this, in face widths
# ... and its slope between neighbouring control points (their Delaunay edges in the image) to this:
# a turn of θ folds an edge whose depth changes faster than cot θ along it, so up to 26° of yaw or
# pitch no edge folds. A frontal face's steepest edges (the nose's sides) are near it; a turned face's
# far cheek, hidden behind the nose, is steeper by far, and its occluded points would drag it across.
DEPTH_SLOPE = 2.0
NECK_FOLLOW = 0.35  # share of head motion the neck below the chin follows
LAYERED_NECK_FOLLOW = 0.1  # ... with a body layer, whose collar and shoulders stay with the torso
NECK_NARROW = 0.55  # with a body layer, the ring's width below the chin, relative to the head's


class FaceRig:
    """Precomputed control points and per-channel displacement bases for one portrait."""

    def __init__(self, portrait: Portrait, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        x0, y0, x1, y1 = portrait.crop
        self.crop_hw = (y1 - y0, x1 - x0)
        lm = portrait.landmarks.astype(np.float64).copy()
        for j, move in lip_closure(lm).items():  # the renderer's photo has its lips closed (closed_mouth)
            lm[j, 1] += move
        lm[:, 0] -= x0 + 0.5  # pixel-centre coordinates inside the crop
        lm[:, 1] -= y0 + 0.5
        fw, fh = portrait.face_width, portrait.face_height
        idx = list(fr.control_landmarks())
        pos = {j: k for k, j in enumerate(idx)}
        n = len(idx)
        pts = lm[idx, :2]
        z = lm[idx, 2]
        channels = ("jaw", "shape", "press", "blink_l", "blink_r", "brow", "look_down", "brow_frown", "smile",
                    "smile_bares", "squint")
        dy = {name: np.zeros(n) for name in channels}
        dx = {name: np.zeros(n) for name in channels}

        # Mouth: the lips start closed (rest pose); the jaw opens them.
        left, right = (lm[j, :2] for j in fr.INNER_CORNERS)
        mouth_c = (left + right) / 2
        mouth_w = float(np.linalg.norm(left - right))
        for u, l, ou, ol in zip(fr.INNER_UPPER[1:-1], fr.INNER_LOWER[1:-1], fr.OUTER_UPPER[1:-1], fr.OUTER_LOWER[1:-1]):
            dy["press"][pos[ou]] = PRESS_THIN * max(0.0, lm[u, 1] - lm[ou, 1])
            dy["press"][pos[ol]] = -PRESS_THIN * max(0.0, lm[ol, 1] - lm[l, 1])
        # The jaw opens along the face's own axes (a tilted head drops its chin along its tilt): the
        # chin and the jaw's contour go down with the lower lip, less the nearer they are to the
        # joint; the lips open to an oval, the middle of each travelling furthest and the points
        # towards the corners going with the corners (down a little and in).
        drop = JAW_DROP * fh
        side = (right - left) / mouth_w
        down = np.array([-side[1], side[0]])
        nose_y, chin_y = lm[fr.NOSE_TIP, 1], lm[fr.CHIN, 1]
        jaw = {j: down * drop * CHIN_FOLLOW * smoothstep((lm[j, 1] - nose_y) / (chin_y - nose_y)) ** 1.5
               for j in fr.FACE_OVAL}
        # The oval's deepest point is the lips' own middle, which a turned face shows off the centre
        # between the corners: the far half of the opening is foreshortened, not a round O.
        middle = (np.mean([lm[j, :2] for j in fr.INNER_LIP_MIDDLE], axis=0) - left) @ side
        middle = float(np.clip(middle, 0.2 * mouth_w, 0.8 * mouth_w))
        for lip, travel in ((fr.INNER_LOWER, 1.0), (fr.OUTER_LOWER, 1.0),
                            (fr.INNER_UPPER, -UPPER_LIP_RAISE), (fr.OUTER_UPPER, -UPPER_LIP_RAISE / 2)):
            for j in lip:
                x = (lm[j, :2] - left) @ side
                along = (x - middle) / (middle if x < middle else mouth_w - middle)
                arc = np.clip(1 - along ** 2, 0, 1) ** ARC
                jaw[j] = (down * drop * (arc * travel + (1 - arc) * CORNER_DROP)
                          - side * np.sign(along) * (1 - arc) * CORNER_PULL * mouth_w)
        for j, (x, y) in jaw.items():
            dx["jaw"][pos[j]], dy["jaw"][pos[j]] = x, y
        for j in set(fr.INNER_UPPER + fr.INNER_LOWER + fr.OUTER_UPPER + fr.OUTER_LOWER):
            dx["shape"][pos[j]] = lm[j, 0] - mouth_c[0]

        # Eyes, per lid point pair: a blink brings the upper lid down over the eye (with its skin
        # fold); looking down or up, the lids follow the iris (per sin of the gaze's angle, in px);
        # a smile lifts the lower lid, a squint narrows the eye from both lids, a frown lowers the
        # upper lid a little.
        iris_radius = {iris: _iris_radius(lm, iris) for iris in (fr.RIGHT_IRIS, fr.LEFT_IRIS)}
        for name, upper, lower, fold, iris in (
                ("blink_r", fr.RIGHT_UPPER_LID, fr.RIGHT_LOWER_LID, fr.RIGHT_LID_FOLD, fr.RIGHT_IRIS),
                ("blink_l", fr.LEFT_UPPER_LID, fr.LEFT_LOWER_LID, fr.LEFT_LID_FOLD, fr.LEFT_IRIS)):
            travel = EYEBALL_PER_IRIS * iris_radius[iris]
            for u, l, f in zip(upper, lower, fold):
                opening = max(0.0, lm[l, 1] - lm[u, 1])
                dy[name][pos[u]] = BLINK_CLOSE * opening
                dy[name][pos[f]] = FOLD_FOLLOW * BLINK_CLOSE * opening
                dy["look_down"][pos[u]] = LID_FOLLOWS_GAZE * travel
                dy["look_down"][pos[f]] = FOLD_FOLLOW * LID_FOLLOWS_GAZE * travel
                dy["look_down"][pos[l]] = LOWER_LID_FOLLOWS_GAZE * travel
                dy["smile"][pos[l]] = -SMILE_LOWER_LID * opening
                dy["squint"][pos[l]] = -SQUINT_LOWER_LID * opening
                dy["squint"][pos[u]] = SQUINT_UPPER_LID * opening
                dy["brow_frown"][pos[u]] = FROWN_LID * opening
        # Raised brows carry the skin around them: each other control point (but the lids and eye
        # corners) rises by its nearness to a brow, the lid folds at least FOLD_RISE of the way.
        raise_px = BROW_RAISE * fh
        brows = list(fr.RIGHT_BROW + fr.LEFT_BROW)
        eyes = set(fr.RIGHT_UPPER_LID + fr.RIGHT_LOWER_LID + fr.LEFT_UPPER_LID + fr.LEFT_LOWER_LID
                   + fr.RIGHT_EYE_CORNERS + fr.LEFT_EYE_CORNERS)
        for j in idx:
            if j in eyes:
                continue
            near = float(np.min(np.linalg.norm(lm[brows, :2] - lm[j, :2], axis=1))) / raise_px
            share = max(0.0, 1.0 - near / BROW_CARRY)
            if j in fr.RIGHT_LID_FOLD + fr.LEFT_LID_FOLD:
                share = max(share, FOLD_RISE)
            dy["brow"][pos[j]] = -raise_px * share

        # Expressions (their lids are above). A frown lowers the brows and gathers their inner ends;
        # a smile lifts and widens the mouth's corners (the lips follow by their distance from the
        # middle). Control points on the cheeks would lift them too, but they bend the spline down to
        # the chest (the torso's breathing and sway measured less than in pauses), so the cheeks
        # follow the corners through the spline.
        middle = (lm[fr.CHIN, 0] + lm[fr.FOREHEAD, 0]) / 2  # the face's centre line, crop x
        for brow, fold in ((fr.RIGHT_BROW, fr.RIGHT_LID_FOLD), (fr.LEFT_BROW, fr.LEFT_LID_FOLD)):
            off = np.abs(lm[list(brow), 0] - middle)
            inner = 1 - (off - off.min()) / max(np.ptp(off), 1e-6)
            for j, k in zip(brow, inner):
                dy["brow_frown"][pos[j]] = BROW_LOWER * fh * (0.6 + 0.4 * k)
                dx["brow_frown"][pos[j]] = -np.sign(lm[j, 0] - middle) * BROW_GATHER * fw * k
            for j in fold:
                dy["brow_frown"][pos[j]] = 0.5 * BROW_LOWER * fh
        for j in set(fr.INNER_UPPER + fr.INNER_LOWER + fr.OUTER_UPPER + fr.OUTER_LOWER):
            k = min(1.0, abs(lm[j, 0] - mouth_c[0]) / (mouth_w / 2))
            dy["smile"][pos[j]] = -SMILE_LIFT * fh * k ** 2
            dx["smile"][pos[j]] = np.sign(lm[j, 0] - mouth_c[0]) * SMILE_WIDEN * mouth_w * k
            if j in fr.INNER_UPPER or j in fr.OUTER_UPPER:
                dy["smile_bares"][pos[j]] = -SMILE_BARES * mouth_w * (1 - k ** 2)

        # All but the jaw (set along the mouth's axes above) were set upright: a tilted head raises
        # its brows, closes its lids and smiles along its own tilt.
        tilt = face_tilt(lm)
        for name in channels:
            if name != "jaw":
                dx[name], dy[name] = (np.cos(tilt) * dx[name] - np.sin(tilt) * dy[name],
                                      np.sin(tilt) * dx[name] + np.cos(tilt) * dy[name])

        # Head ring (moves with the head, the neck part less), anchors and the crop's border.
        cx, cy = portrait.region_center[0] - x0 - 0.5, portrait.region_center[1] - y0 - 0.5
        rx, ry = portrait.region_radii
        ring_r, anchor_r = (LAYERED_RING_R, LAYERED_ANCHOR_R) if portrait.layered else (HEAD_RING_R, ANCHOR_R)
        a = np.linspace(0, 2 * np.pi, N_RING, endpoint=False)
        ring = np.stack([cx + ring_r * rx * np.cos(a), cy + ring_r * ry * np.sin(a)], 1)
        b = np.linspace(0, 2 * np.pi, N_ANCHOR, endpoint=False) + np.pi / N_ANCHOR
        anchors = np.stack([cx + anchor_r * rx * np.cos(b), cy + anchor_r * ry * np.sin(b)], 1)
        self.layered = portrait.layered
        self._centre, self._anchor_radii = (cx, cy), (anchor_r * rx, anchor_r * ry)
        self._neck_rows = (lm[fr.MOUTH_CORNERS[0], 1], chin_y)  # the head's ellipse narrows between these
        if portrait.layered:  # below the jaw the ring and anchors hug the neck: collar and shoulders are the body's
            for points in (ring, anchors):
                points[:, 0] = cx + (points[:, 0] - cx) * self._narrowing(points[:, 1])
        h, w = self.crop_hw
        border = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1],
                           [(w - 1) / 2, 0], [(w - 1) / 2, h - 1], [0, (h - 1) / 2], [w - 1, (h - 1) / 2]])
        neck = smoothstep((ring[:, 1] - chin_y) / (0.3 * fh))
        ring_weight = 1.0 - (1.0 - (LAYERED_NECK_FOLLOW if portrait.layered else NECK_FOLLOW)) * neck

        self.n_landmarks = n
        self.n_moving = n + N_RING
        self._position = pos  # landmark → control point
        self.source = np.concatenate([pts, ring, anchors, border]).astype(np.float32)
        self.face_width = fw
        self.image_hw = portrait.image.shape[:2]
        self.origin = (x0 + 0.5, y0 + 0.5)  # photo coordinates of crop pixel (0, 0)
        rows = np.nonzero(portrait.layer.any(axis=1))[0]
        self.bottom = min(float(self.image_hw[0]), float(rows.max() + 1)) if rows.size else float(self.image_hw[0])
        self.shoulders = min(lm[fr.CHIN, 1] + y0 + 0.5 + SHOULDERS_BELOW_CHIN * fh, self.bottom - 1)
        self.centre_x = middle + x0 + 0.5
        fade = self.edge_fade(self.source)
        # Depth relief, softly limited: on a turned or tilted head the far cheek's contour lies
        # deep behind the face, and full parallax would drag the face across it (a 2-D warp cannot
        # occlude, so it folds). Limited relief keeps the 3-D turn but moves the face as one piece.
        zm = float(np.median(z))
        z = _slope_limited(pts, zm + DEPTH_RELIEF * fw * np.tanh((z - zm) / (DEPTH_RELIEF * fw)), DEPTH_SLOPE)
        zc = zm + HEAD_DEPTH * fw
        depth = np.concatenate([z, np.full(N_RING, zc)])
        self.pivot = np.array([middle, cy + 0.1 * fh, zc])
        t = lambda v: torch.as_tensor(np.asarray(v, np.float32), device=self.device)
        self.source_points = t(self.source)  # [K, 2] crop pixels: where each control point is in the photo
        self._depth = t(depth)
        self._pose_weight = t(np.concatenate([np.ones(n), ring_weight]) * fade[:self.n_moving])
        self.body = t(self.body_weight(self.source))
        self._moves = {k: t(np.stack([dx[k], dy[k]], 1)) for k in channels}  # [n, 2] px at full strength
        self._pivot = t(self.pivot)
        self.inner_upper = [pos[j] for j in fr.INNER_UPPER]
        self._inner_upper = torch.as_tensor(self.inner_upper, device=self.device)
        self.inner_lower = [pos[j] for j in fr.INNER_LOWER]
        self.mouth_width = mouth_w
        down = np.array([-np.sin(tilt), np.cos(tilt)])  # the face's own, as the moves were set
        self._down = t(down)
        # Per level: the upper and lower point of each pair, which points move with its lower point
        # ([pairs, n] 0/1), and its passes: (1 closing or −1 parting, the most px the pair's gap may
        # lose or gain, which points move with the upper point). A raised brow moves as one,
        # whichever fold holds it; a frowning one bends anyway; the lids part freely, as the gaze
        # lifts them.
        self._stacked = []
        index = lambda points: torch.as_tensor([pos[j] for j in points], device=self.device)

        def carried(points: tuple[int, ...], groups: tuple[tuple[int, ...], ...] = ()) -> torch.Tensor:
            rows = np.zeros((len(points), n))
            for row, j in zip(rows, points):
                row[[pos[k] for k in next((g for g in groups if j in g), (j,))]] = 1
            return t(rows)

        gap = lambda upper, lower: np.maximum(0.0, (lm[list(lower), :2] - lm[list(upper), :2]) @ down)
        upper_lids, lower_lids = fr.RIGHT_UPPER_LID + fr.LEFT_UPPER_LID, fr.RIGHT_LOWER_LID + fr.LEFT_LOWER_LID
        folds = fr.RIGHT_LID_FOLD + fr.LEFT_LID_FOLD
        nearest_brow = tuple(brows[int(np.argmin(np.linalg.norm(lm[brows, :2] - lm[f, :2], axis=1)))] for f in folds)
        opening = gap(upper_lids, lower_lids)  # per lid pair, and so per fold above it
        side = np.array([np.cos(tilt), np.sin(tilt)])  # folds over a corner: nearer it across than any lid point
        over_corner = []
        for fold, upper, corners in ((fr.RIGHT_LID_FOLD, fr.RIGHT_UPPER_LID, fr.RIGHT_EYE_CORNERS),
                                     (fr.LEFT_LID_FOLD, fr.LEFT_UPPER_LID, fr.LEFT_EYE_CORNERS)):
            curve = list(corners + upper)
            for f in fold:
                j = curve[int(np.argmin(np.abs((lm[curve, :2] - lm[f, :2]) @ side)))]
                if j in corners:
                    over_corner.append((f, j))
        levels = [("lids", upper_lids, lower_lids), ("fold over lid", folds, upper_lids)]
        if over_corner:
            levels.append(("fold over corner", *zip(*over_corner)))
        for level, upper, lower in levels + [("brow over fold", nearest_brow, folds)]:
            passes = [(1.0, MAX_CLOSURE[level] * t(gap(upper, lower)), carried(upper))]
            if level in MAX_GROWTH:
                passes.append((-1.0, t(MAX_GROWTH[level] * np.maximum(gap(upper, lower), opening)),
                               carried(upper, (fr.RIGHT_BROW, fr.LEFT_BROW))))
            self._stacked.append((index(upper), index(lower), carried(lower), passes))
        self.eyes = []  # (channel, upper lid curve, lower lid curve, opening px), curves x-ascending
        # Per eye, the iris: its centre in the frame of the eye's corners (along, across) and its
        # radius, both in eye widths, so that it goes wherever the warp takes the corners.
        self.irises: list[tuple[float, float, float]] = []
        for name, upper, lower, corners, iris in (
                ("blink_r", fr.RIGHT_UPPER_LID, fr.RIGHT_LOWER_LID, fr.RIGHT_EYE_CORNERS, fr.RIGHT_IRIS),
                ("blink_l", fr.LEFT_UPPER_LID, fr.LEFT_LOWER_LID, fr.LEFT_EYE_CORNERS, fr.LEFT_IRIS)):
            up = [corners[0], *upper, corners[1]]
            low = [corners[0], *lower, corners[1]]
            if lm[corners[0], 0] > lm[corners[1], 0]:
                up, low = up[::-1], low[::-1]
            opening = float(np.max(lm[list(lower), 1] - lm[list(upper), 1]))
            self.eyes.append((name, [pos[j] for j in up], [pos[j] for j in low], opening))
            along = lm[up[-1], :2] - lm[up[0], :2]
            width2 = float(along @ along)
            offset = lm[iris[0], :2] - lm[up[0], :2]
            across = np.array([-along[1], along[0]])
            self.irises.append((float(offset @ along) / width2, float(offset @ across) / width2,
                                iris_radius[iris] / np.sqrt(width2)))

    def targets(self, tracks: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Target positions ``[B, K, 2]`` (crop pixels) of all control points for a batch of frames,
        before the body carries them (``body_shift``), and the upper inner lip as it would be with
        the jaw closed ``[B, N, 2]``: the upper teeth hang from that line, since they move with the
        skull and not with the jaw."""
        col = lambda name: tracks[name][:, None]
        opening = col("jaw_open") * (1 - col("lip_press"))
        shape = SPREAD * col("lip_spread") - ROUND * col("lip_round") * (1 - PRESS_UNROUND * col("lip_press"))
        rest_press = REST_PRESS * (1 - col("jaw_open") / REST_PRESS_JAW).clamp(0, 1)
        thin = torch.maximum(col("lip_press"), rest_press)
        landmarks = self._kept_apart(self._moved(slice(0, self.n_landmarks), opening, shape, thin, col))
        ring = self.source_points[None, self.n_landmarks: self.n_moving].expand(len(landmarks), -1, -1)
        posed = self._pose(torch.cat([landmarks, ring], 1), tracks, slice(0, self.n_moving))
        still = self.source_points[None, self.n_moving:].expand(len(landmarks), -1, -1)
        lip = self._inner_upper
        closed = self._pose(self._moved(lip, torch.zeros_like(opening), shape, thin, col), tracks, lip)
        return torch.cat([posed, still], dim=1), closed

    def unmoved(self, landmarks: tuple[int, ...]) -> list[int]:
        """The control points of those ``landmarks`` that no expression moves: only the head does."""
        return [self._position[j] for j in landmarks
                if j in self._position and all(not move[self._position[j]].any() for move in self._moves.values())]

    def iris(self, at: torch.Tensor, eye: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Where eye ``eye``'s iris is among control points ``at`` ``[B, K, 2]``: centre ``[B, 2]``,
        radius ``[B]`` px, and the unit vectors along the eye (corner to corner) and across it."""
        _, upper, _, _ = self.eyes[eye]
        along_u, across_u, radius = self.irises[eye]
        a, b = at[:, upper[0]], at[:, upper[-1]]
        along = b - a
        across = torch.stack([-along[:, 1], along[:, 0]], 1)
        width = along.norm(dim=1, keepdim=True).clamp_min(1e-6)
        return a + along_u * along + across_u * across, radius * width[:, 0], along / width, across / width

    def edge_fade(self, points: np.ndarray) -> np.ndarray:
        """0..1 per crop point ``[M, 2]``: motion fades out towards the photo's edges."""
        full = points + self.origin
        height, width = self.image_hw
        edge = np.minimum(np.minimum(full[:, 0], width - full[:, 0]), np.minimum(full[:, 1], height - full[:, 1]))
        return smoothstep((edge - 0.5) / (BORDER_FADE * self.face_width))

    def _narrowing(self, y: np.ndarray) -> np.ndarray:
        """The head's ellipse's width factor at crop rows ``y``: with a body layer it narrows to the
        neck below the jaw."""
        jaw_y, chin_y = self._neck_rows
        if not self.layered:
            return np.ones_like(y)
        return 1 - (1 - NECK_NARROW) * smoothstep((y - jaw_y) / (chin_y - jaw_y + 1e-6))

    def head_reach(self, points: np.ndarray) -> np.ndarray:
        """0..1 per crop point ``[M, 2]``: how much of the head's motion (the spline's) it keeps: all
        of it within the anchors, none beyond ``HEAD_REACH`` times their radius."""
        (cx, cy), (rx, ry) = self._centre, self._anchor_radii
        x = (points[:, 0] - cx) / (rx * self._narrowing(points[:, 1]))
        r = np.hypot(x, (points[:, 1] - cy) / ry)
        return smoothstep((HEAD_REACH - r) / (HEAD_REACH - 1))

    def body_weight(self, points: np.ndarray) -> np.ndarray:
        """How much of the body's shift each crop point ``[M, 2]`` takes: all above the shoulders
        (the head rides on the body), fading to nothing at the person's lower edge and beyond the
        torso's width; nothing without a body layer."""
        if not self.layered:
            return np.zeros(len(points))
        full = points + self.origin
        across = np.abs(full[:, 0] - self.centre_x) / self.face_width
        torso = smoothstep((TORSO_FADE_TO - across) / (TORSO_FADE_TO - TORSO_HALF_WIDTH))
        rise = np.clip((self.bottom - full[:, 1]) / max(self.bottom - self.shoulders, 1.0), 0, 1)
        return rise * torso * self.edge_fade(points)

    def body_shift(self, tracks: dict[str, torch.Tensor]) -> torch.Tensor:
        """``[B, 2]`` px: the body's shift at full weight, lifted by the breath, shifted by the sway."""
        return torch.stack([tracks["sway"], -BREATH_RISE * tracks["breath"]], dim=1) * self.face_width

    def _moved(self, idx, opening: torch.Tensor, shape: torch.Tensor, thin: torch.Tensor, col) -> torch.Tensor:
        """Landmarks ``idx`` moved by the expression channels, in the image plane, ``[B, len(idx), 2]``."""
        strength = {"jaw": opening, "shape": shape, "press": thin, "blink_l": col("blink_l"),
                    "blink_r": col("blink_r"), "brow": col("brow_raise"),
                    "look_down": torch.sin(torch.deg2rad(col("gaze_y"))), "brow_frown": col("brow_frown"),
                    "smile": col("smile"), "smile_bares": col("smile") * (opening / SMILE_BARES_FROM).clamp(0, 1),
                    "squint": col("squint")}
        moved = self.source_points[idx][None]
        for name, amount in strength.items():
            moved = moved + amount[..., None] * self._moves[name][idx][None]
        return moved

    def _kept_apart(self, landmarks: torch.Tensor) -> torch.Tensor:
        """Landmarks ``[B, n, 2]`` with no stacked pair around the eyes closed by more than its
        MAX_CLOSURE or parted by more than its MAX_GROWTH, from the lids up: each step moves points
        back towards where they were."""
        landmarks = landmarks.clone()
        for upper, lower, carry_l, passes in self._stacked:
            for sign, limit, carry_u in passes:
                towards_u = sign * (landmarks[:, upper] - self.source_points[upper]) @ self._down
                towards_l = sign * (self.source_points[lower] - landmarks[:, lower]) @ self._down
                excess = (towards_u + towards_l - limit).clamp_min(0)
                towards_u, towards_l = towards_u.clamp_min(0), towards_l.clamp_min(0)
                share = excess / (towards_u + towards_l).clamp_min(1e-6)
                for back, carry, side in ((share * towards_u, carry_u, -sign), (share * towards_l, carry_l, sign)):
                    moved = (back[:, :, None] * carry[None]).amax(1)  # [B, n]: the most any pair asks of a point
                    landmarks += side * moved[..., None] * self._down
        return landmarks

    def _pose(self, pts: torch.Tensor, tracks: dict[str, torch.Tensor], idx) -> torch.Tensor:
        """Rotate (yaw, pitch, roll in degrees), scale and shift control points ``idx`` in 3-D about
        the head pivot."""
        rad = lambda name: torch.deg2rad(tracks[name])[:, None]
        yaw, pitch, roll = rad("yaw"), rad("pitch"), rad("roll")
        x = pts[..., 0] - self._pivot[0]
        y = pts[..., 1] - self._pivot[1]
        z = self._depth[idx][None] - self._pivot[2]
        x, z = x * torch.cos(yaw) - z * torch.sin(yaw), x * torch.sin(yaw) + z * torch.cos(yaw)
        y, z = y * torch.cos(pitch) - z * torch.sin(pitch), y * torch.sin(pitch) + z * torch.cos(pitch)
        x, y = x * torch.cos(roll) - y * torch.sin(roll), x * torch.sin(roll) + y * torch.cos(roll)
        scale = 1.0 + tracks["scale"][:, None]  # the channel is a relative change, 0 = none
        x = x * scale + self._pivot[0] + tracks["tx"][:, None] * self.face_width
        y = y * scale + self._pivot[1] + tracks["ty"][:, None] * self.face_width
        posed = torch.stack([x, y], dim=2)
        w = self._pose_weight[idx][None, :, None]
        return pts + w * (posed - pts)


def _slope_limited(points: np.ndarray, z: np.ndarray, slope: float, rounds: int = 500) -> np.ndarray:
    """Depths ``z`` of image points ``[N, 2]`` pulled together where they are too steep (each such
    edge moves its two ends towards each other by half its excess, averaged per point, repeated;
    settled within 200 rounds on the faces tried) so that along no Delaunay edge does the depth
    change faster than ``slope``."""
    from scipy.spatial import Delaunay

    triangles = Delaunay(points).simplices
    edges = np.unique(np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]]), 1), axis=0)
    i, j = edges.T
    limit = slope * np.linalg.norm(points[i] - points[j], axis=1)
    z = z.astype(np.float64).copy()
    for _ in range(rounds):
        gap = z[i] - z[j]
        excess = np.abs(gap) - limit
        steep = excess > 1e-3
        if not steep.any():
            break
        half = np.where(steep, np.sign(gap) * excess / 2, 0.0)
        move, count = np.zeros_like(z), np.zeros_like(z)
        np.add.at(move, i, -half)
        np.add.at(move, j, half)
        np.add.at(count, i, steep)
        np.add.at(count, j, steep)
        z += move / np.maximum(count, 1)
    return z


def _iris_radius(lm: np.ndarray, iris: tuple[int, ...]) -> float:
    """Px: the mean distance of the iris's rim landmarks from its centre."""
    return float(np.linalg.norm(lm[list(iris[1:]), :2] - lm[iris[0], :2], axis=1).mean())
