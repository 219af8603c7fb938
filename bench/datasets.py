#!/usr/bin/env python3
"""The benchmark datasets, bit for bit those of the shared anchor generator (same functions,
same numpy seeds), but writable one by one.

Usage: bench/datasets.py OUT_DIR [NAME ...]      (no NAME: all of them)
Writes OUT_DIR/NAME.f64 (little-endian float64, row-major), OUT_DIR/NAME.shape ("n d") and,
for the seed set only, OUT_DIR/seed.csv.
"""
import os
import sys

import numpy as np


def seed_intent(rng):
    centers = np.array([[50, 0.1], [500, 0.2], [40, 5.0]])
    std = np.array([10.0, 0.05])
    x = np.vstack([c + rng.normal(size=(100, 2)) * std for c in centers])
    noise = rng.uniform(low=[100, 1.0], high=[800, 8.0], size=(20, 2))
    return np.vstack([x, noise])


def blobs(rng, n, d, k, noise_frac=0.0, spread=1.0):
    centers = rng.uniform(-10, 10, size=(k, d))
    lab = rng.integers(0, k, size=n - int(n * noise_frac))
    x = centers[lab] + rng.normal(size=(len(lab), d)) * spread
    if noise_frac:
        noise = rng.uniform(-12, 12, size=(n - len(lab), d))
        x = np.vstack([x, noise])
        rng.shuffle(x)
    return x


def fleet(rng, n, d, k, noise_frac=0.01):
    """Fleet-like telemetry in standard units: k behaviours of unequal size (the largest about
    ten times the smallest) and unequal spread (0.3 to 1.2), plus noise_frac uniform anomalies
    over the whole box. Centres are drawn at least 4 apart so each behaviour is a real group."""
    centers = []
    while len(centers) < k:
        c = rng.uniform(-8, 8, size=d)
        if all(np.linalg.norm(c - o) >= 4.0 for o in centers):
            centers.append(c)
    centers = np.array(centers)
    spreads = np.linspace(0.3, 1.2, k)
    weights = np.geomspace(10.0, 1.0, k)
    weights /= weights.sum()
    n_noise = int(n * noise_frac)
    lab = rng.choice(k, size=n - n_noise, p=weights)
    x = centers[lab] + rng.normal(size=(len(lab), d)) * spreads[lab, None]
    noise = rng.uniform(-10, 10, size=(n_noise, d))
    x = np.vstack([x, noise])
    rng.shuffle(x)
    return x


SETS = {
    "seed": lambda: seed_intent(np.random.default_rng(42)),
    "km_1m_2d": lambda: blobs(np.random.default_rng(1), 1_000_000, 2, 8),
    "km_200k_16d": lambda: blobs(np.random.default_rng(2), 200_000, 16, 32),
    "db_100k_2d": lambda: blobs(np.random.default_rng(3), 100_000, 2, 10, noise_frac=0.05, spread=0.5),
    "db_1m_2d": lambda: blobs(np.random.default_rng(4), 1_000_000, 2, 10, noise_frac=0.05, spread=0.5),
    "fleet_200k_8d": lambda: fleet(np.random.default_rng(8), 200_000, 8, 6),
    "fleet_1m_4d": lambda: fleet(np.random.default_rng(9), 1_000_000, 4, 5),
    "hc_10k_2d": lambda: blobs(np.random.default_rng(5), 10_000, 2, 6),
    "hc_30k_2d": lambda: blobs(np.random.default_rng(6), 30_000, 2, 6),
    "hc_100k_2d": lambda: blobs(np.random.default_rng(7), 100_000, 2, 6),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench-data"
    names = sys.argv[2:] or list(SETS)
    os.makedirs(out, exist_ok=True)
    for name in names:
        if os.path.exists(os.path.join(out, name + ".shape")):
            continue
        x = SETS[name]()
        n, d = x.shape
        np.ascontiguousarray(x, dtype="<f8").tofile(os.path.join(out, name + ".f64"))
        with open(os.path.join(out, name + ".shape"), "w") as f:
            f.write(f"{n} {d}\n")
        if name == "seed":
            np.savetxt(os.path.join(out, "seed.csv"), x, delimiter=",", header="latency_ms,error_rate_pct",
                       comments="", fmt="%.17g")
        print("wrote", name, n, d)


if __name__ == "__main__":
    main()
