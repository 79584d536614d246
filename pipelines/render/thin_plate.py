"""Batched thin-plate splines: fit to control points, evaluate at any points.

Evaluating the spline at every pixel costs ~600 ms per 512² frame, so the renderer evaluates it
on lattices of a few pixels per cell and upsamples them bilinearly (mean error ~1e-3).
"""
from __future__ import annotations

import torch


def _kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """TPS radial basis U(r) = r² log r² between point sets ``[B, N, 2]`` and ``[B, M, 2]``."""
    d2 = torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist").square_()
    return torch.special.xlogy(d2, d2)  # one fused pass: twice as fast as d2 * log(d2)


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
