"""Batched thin-plate-spline warp fields, evaluated on a coarse grid and upsampled.

Evaluating the spline at every pixel costs ~600 ms per 512² frame; on a coarse grid
(a few pixels per cell) plus bilinear upsampling it costs a few ms with a mean error of ~1e-3.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """TPS radial basis U(r) = r² log r² between point sets ``[B, N, 2]`` and ``[B, M, 2]``."""
    d2 = torch.cdist(a, b).square()
    return d2 * torch.log(d2.clamp_min(1e-12))


def fit(centers: torch.Tensor, values: torch.Tensor, regularization: float = 1e-5) -> torch.Tensor:
    """Spline coefficients ``[B, K+3, 2]`` mapping ``centers`` ``[B, K, 2]`` to ``values`` ``[B, K, 2]``.

    Solved in float64, one frame at a time: nearly coincident centres (closed lips) make the
    system ill-conditioned, and batched float32 solvers then give results that depend on the
    batch size, i.e. the same tracks would not give the same frame.
    """
    dtype = centers.dtype
    centers, values = centers.double(), values.double()
    b, k, _ = centers.shape
    ones = torch.ones(b, k, 1, dtype=centers.dtype, device=centers.device)
    p = torch.cat([ones, centers], dim=2)  # [B, K, 3]
    kmat = _kernel(centers, centers) + regularization * torch.eye(k, dtype=centers.dtype, device=centers.device)
    top = torch.cat([kmat, p], dim=2)
    bottom = torch.cat([p.transpose(1, 2), torch.zeros(b, 3, 3, dtype=centers.dtype, device=centers.device)], dim=2)
    system = torch.cat([top, bottom], dim=1)
    rhs = torch.cat([values, torch.zeros(b, 3, 2, dtype=values.dtype, device=values.device)], dim=1)
    return torch.stack([torch.linalg.solve(system[i], rhs[i]) for i in range(b)]).to(dtype)


def evaluate(coefficients: torch.Tensor, centers: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Spline values at ``points`` ``[B, M, 2]``."""
    ones = torch.ones(*points.shape[:2], 1, dtype=points.dtype, device=points.device)
    basis = torch.cat([_kernel(points, centers), ones, points], dim=2)  # [B, M, K+3]
    return basis @ coefficients


def dense_field(coefficients: torch.Tensor, centers: torch.Tensor, grid_hw: tuple[int, int],
                out_hw: tuple[int, int], extent: tuple[float, float],
                gain: tuple[float, float] = (1.0, 1.0), offset: float = 0.0) -> torch.Tensor:
    """Spline on a ``grid_hw`` lattice spanning [0, extent_x] x [0, extent_y], upsampled to ``[B, H, W, 2]``.

    Values are mapped ``v * gain + offset`` on the lattice, before upsampling (bilinear
    upsampling commutes with it), so callers get e.g. grid_sample coordinates without another
    pass over the full-size field."""
    gh, gw = grid_hw
    ys = torch.linspace(0, extent[1], gh, dtype=centers.dtype, device=centers.device)
    xs = torch.linspace(0, extent[0], gw, dtype=centers.dtype, device=centers.device)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    lattice = torch.stack([gx, gy], dim=-1).reshape(1, -1, 2).expand(centers.shape[0], -1, -1)
    coarse = evaluate(coefficients, centers, lattice)
    coarse = coarse * torch.tensor(gain, dtype=coarse.dtype, device=coarse.device) + offset
    coarse = coarse.reshape(-1, gh, gw, 2).permute(0, 3, 1, 2)
    return F.interpolate(coarse, size=out_hw, mode="bilinear", align_corners=True).permute(0, 2, 3, 1)
