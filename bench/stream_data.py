#!/usr/bin/env python3
"""The streamed K-Means benchmark's input: N rows x 4 features (cpu, mem, lat_ms, err) of five
behaviours, seeded, written as CSV in chunks of a million rows.

Usage: .venv/bin/python bench/stream_data.py 100000000 bench-data/stream_100m_4d.csv
Then:  /usr/bin/time -f "%e s, %M KB" target/release/telecluster kmeans \
           bench-data/stream_100m_4d.csv --stream --k 5 --json
"""
import sys

import numpy as np


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    centres = np.array([[10, 20, 50, 0.1], [80, 70, 200, 1], [40, 90, 800, 5], [20, 30, 60, 20], [60, 40, 120, 2]], float)
    spread = np.array([3, 4, 0.1, 0.3])
    with open(out, "w") as f:
        f.write("cpu,mem,lat_ms,err\n")
        chunk = 1_000_000
        for s in range(0, n, chunk):
            m = min(chunk, n - s)
            lab = rng.integers(0, 5, m)
            sd = np.tile(spread, (m, 1))
            sd[:, 2] = centres[lab, 2] * 0.1  # latency spreads with its level
            x = centres[lab] + rng.normal(size=(m, 4)) * sd
            np.savetxt(f, x, fmt="%.4f", delimiter=",")


if __name__ == "__main__":
    main()
