"""Batched thin-plate splines: fit to control points, evaluate at any points.

Evaluating the spline at every pixel costs ~600 ms per 512² frame, so the renderer evaluates it
on lattices of a few pixels per cell and upsamples them bilinearly (mean error ~1e-3).
"""
from __future__ import annotations

import torch

# r² log r² is taken at r² ≥ this: 0 there to float precision, and log(0) never happens.
MIN_SQUARED_DISTANCE = 1e-30
# Kernel values evaluated at once: the kernel is written, logged, multiplied and read again, so a
# chunk that stays in the processor's cache (4 MB of float32) runs 2.5x faster than a whole batch
# of a fine lattice (16 frames x 1364 points x 210 centres, 18 MB).
CHUNK_VALUES = 1 << 20


def _kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """TPS radial basis U(r) = r² log r² between point sets ``[B, N, 2]`` and ``[B, M, 2]``.

    Squared distances come from one matrix product, |a|² + |b|² − 2a·b, and the basis from an
    in-place log and multiply: a third of the time of cdist, square and xlogy.
    """
    ones_a = torch.ones(*a.shape[:2], 1, dtype=a.dtype, device=a.device)
    ones_b = torch.ones(*b.shape[:2], 1, dtype=b.dtype, device=b.device)
    a_terms = torch.cat([a, a.square().sum(-1, keepdim=True), ones_a], dim=2)
    b_terms = torch.cat([-2 * b, ones_b, b.square().sum(-1, keepdim=True)], dim=2)
    d2 = torch.bmm(a_terms, b_terms.transpose(1, 2)).clamp_min_(MIN_SQUARED_DISTANCE)
    return d2.log().mul_(d2)


def fit(centers: torch.Tensor, values: torch.Tensor, regularization: float = 1e-5) -> torch.Tensor:
    """Spline coefficients ``[B, K+3, 2]`` mapping ``centers`` ``[B, K, 2]`` to ``values`` ``[B, K, 2]``.

    Solved in float64, one frame at a time: nearly coincident centres (closed lips) make the
    system ill-conditioned, and batched float32 solvers then give results that depend on the
    batch size, i.e. the same tracks would not give the same frame.
    """
    dtype = centers.dtype
    centers, values = centers.double(), values.double()
    b, k, _ = centers.shape
    system = torch.zeros(b, k + 3, k + 3, dtype=centers.dtype, device=centers.device)
    system[:, :k, :k] = _kernel(centers, centers)
    system[:, :k, :k].diagonal(dim1=1, dim2=2).add_(regularization)
    system[:, :k, k] = system[:, k, :k] = 1.0
    system[:, :k, k + 1:] = centers
    system[:, k + 1:, :k] = centers.transpose(1, 2)
    rhs = torch.zeros(b, k + 3, 2, dtype=values.dtype, device=values.device)
    rhs[:, :k] = values
    return torch.stack([torch.linalg.solve(system[i], rhs[i]) for i in range(b)]).to(dtype)


def evaluate(coefficients: torch.Tensor, centers: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Spline values at ``points`` ``[B, M, 2]``: the radial part plus the affine part, without
    building the ``[B, M, K+3]`` basis, a few frames at a time."""
    b, k, _ = centers.shape
    points = points.expand(b, -1, -1)
    m = points.shape[1]
    values = coefficients[:, k:k + 1] + points @ coefficients[:, k + 1:]  # the affine part
    step = max(1, CHUNK_VALUES // (m * k))
    for i in range(0, b, step):
        part = slice(i, i + step)
        values[part] = torch.baddbmm(values[part], _kernel(points[part], centers[part]), coefficients[part, :k])
    return values
