#!/usr/bin/env python3
"""The k-choice suite: how often each criterion, and telecluster's `--k auto`, finds the true
number of groups on labelled data.

Usage (from the repository root, after `cargo build --release`):
    .venv/bin/python bench/kchoice.py [--cases 60] [--k-max 35] [--seed 0] [--out DIR]
                                      [--binary target/release/telecluster] [--json RESULTS.json]
                                      [--gap] [--more] [--trim] [--reuse EARLIER.json]

The suite (seeded, written to --out as CSV files with their truth):
- synthetic groups: k from 2 to 30, 2 to 16 features, Gaussian groups whose sizes differ up to
  20:1 and whose spreads differ up to 4:1, centres placed so that neighbouring groups overlap
  little; every other case adds 1 % rows uniform over the whole box (anomalies, not a group);
- public labelled sets bundled with scikit-learn: iris (3), wine (3), breast cancer (2),
  digits (10). Their classes are not always separable groups; they are there as users' data
  would be, not as a target any criterion must hit.

For every case, every criterion looks at the same fits: scikit-learn's KMeans (n_init=4,
random_state=0) for k = 1..k_max on the standardised data. Criteria: the elbow's knee
(Kneedle, as telecluster's), the best mean silhouette, the best Calinski-Harabasz index, the
best (lowest) Davies-Bouldin index; with --gap, also the gap statistic; with --more, the BIC of a
mixture of spherical Gaussians, one variance per group (X-means' criterion), and Sugar and
James' jump; with --trim, the four criteria and their vote again after dropping the rows whose
k-nearest-neighbour distance is far above the others' (a robust fence), as a sweep that set
anomalies aside first would see them. telecluster runs `kmeans FILE --k auto --k-max K_MAX
--json`. "vote" is telecluster's rule (select::elbow) replayed on scikit-learn's fits.
Prints hits (exact) and near hits (within one) per criterion; telecluster's own fits
are its own, as a user would get them.
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np


def groups(rng, n, k, d, noise):
    """k Gaussian groups, sizes up to 20:1, spreads up to 4:1, plus 1 % anomalies if noise."""
    weights = np.geomspace(20.0, 1.0, k) if k > 1 else np.ones(1)
    rng.shuffle(weights)
    weights /= weights.sum()
    spreads = rng.uniform(0.5, 2.0, size=k)
    side = 4.0 * k ** (1.0 / d) * 2.0
    centres = []
    tries = 0
    while len(centres) < k:
        c = rng.uniform(-side, side, size=d)
        j = len(centres)
        if all(np.linalg.norm(c - o) >= 3.5 * (spreads[j] + spreads[i]) for i, o in enumerate(centres)):
            centres.append(c)
        tries += 1
        if tries % 2000 == 0:
            side *= 1.2
    centres = np.array(centres)
    n_noise = int(n * 0.01) if noise else 0
    lab = rng.choice(k, size=n - n_noise, p=weights)
    # Every group gets at least 10 rows: a group of 3 is not a behaviour.
    short = [np.full(10 - (lab == j).sum(), j) for j in range(k) if (lab == j).sum() < 10]
    lab = np.concatenate([lab, *short])
    x = centres[lab] + rng.normal(size=(len(lab), d)) * spreads[lab, None]
    if n_noise:
        lo, hi = x.min(axis=0), x.max(axis=0)
        x = np.vstack([x, rng.uniform(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), size=(n_noise, d))])
    return x[rng.permutation(len(x))]


def suite(seed, cases):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(cases):
        k = int(rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30]))
        d = int(rng.choice([2, 3, 4, 6, 8, 12, 16]))
        n = int(rng.integers(1500, 4000))
        noise = i % 2 == 1
        out.append((f"synthetic_{i:02d}_k{k}_d{d}{'_noise' if noise else ''}", k, groups(rng, n, k, d, noise)))
    from sklearn import datasets
    for name, loader in [("iris", datasets.load_iris), ("wine", datasets.load_wine),
                         ("breast_cancer", datasets.load_breast_cancer), ("digits", datasets.load_digits)]:
        b = loader()
        x = b.data.astype(float)
        x = x[:, x.std(axis=0) > 0]
        out.append((f"public_{name}", len(np.unique(b.target)), x))
    return out


def kneedle(ks, ys):
    """Kneedle (Satopää et al. 2011) on a convex decreasing curve, sensitivity 1, written as
    telecluster's select::kneedle: the highest confirmed local maximum of the difference curve,
    else its highest point."""
    x = np.asarray(ks, float)
    y = np.asarray(ys, float)
    n = len(x)
    if n < 3 or y.max() == y.min() or x[-1] == x[0]:
        return None
    diff = (1.0 - (y - y.min()) / (y.max() - y.min())) - (x - x[0]) / (x[-1] - x[0])
    spacing = 1.0 / (n - 1)

    def local_max(i):
        left = i == 0 or diff[i] >= diff[i - 1]
        right = i == n - 1 or diff[i] > diff[i + 1]
        return left and right and diff[i] > 1e-9

    best = None
    for i in range(n):
        if not local_max(i):
            continue
        thr = diff[i] - spacing
        confirmed = False
        for j in range(i + 1, n):
            if local_max(j):
                break
            if diff[j] < thr:
                confirmed = True
                break
        if confirmed and (best is None or diff[i] > diff[best]):
            best = i
    if best is None:
        cand = [i for i in range(n) if diff[i] > 1e-9]
        if not cand:
            return None
        best = max(cand, key=lambda i: (diff[i], -i))
    return int(x[best])


def gap_statistic(x, inertia, seed, b=5):
    """Tibshirani, Walther and Hastie's gap statistic (2001) on the same fits: B reference sets
    uniform over the box of the data's principal axes, one K-Means start each per k; the
    smallest k with gap(k) >= gap(k+1) - s(k+1)."""
    from sklearn.cluster import KMeans
    xc = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    xp = xc @ vt.T
    lo, hi = xp.min(axis=0), xp.max(axis=0)
    rng = np.random.default_rng(seed)
    k_max = len(inertia)
    ref = np.zeros((b, k_max))
    for i in range(b):
        u = rng.uniform(lo, hi, size=xp.shape)
        for k in range(1, k_max + 1):
            ref[i, k - 1] = np.log(KMeans(n_clusters=k, n_init=1, random_state=i).fit(u).inertia_)
    gap = ref.mean(axis=0) - np.log(np.asarray(inertia))
    s = ref.std(axis=0) * np.sqrt(1.0 + 1.0 / b)
    return next((k for k in range(1, k_max) if gap[k - 1] >= gap[k] - s[k]), k_max)


def bic_spherical(x, labels, centres):
    """The BIC of the fit read as a mixture of spherical Gaussians, one variance per group, rows
    assigned hard (Pelleg and Moore's X-means); higher is better."""
    n, d = x.shape
    k = len(centres)
    sizes = np.bincount(labels, minlength=k).astype(float)
    sse = np.bincount(labels, ((x - centres[labels]) ** 2).sum(axis=1), minlength=k)
    used = sizes > 1
    var = np.maximum(sse[used] / ((sizes[used] - 1) * d), 1e-12)
    s = sizes[used]
    ll = np.sum(s * np.log(s / n) - s * d / 2 * np.log(2 * np.pi * var) - (s - 1) * d / 2)
    return ll - (k - 1 + k * d + k) / 2 * np.log(n)


def jump(inertia, n, d):
    """Sugar and James' jump method (2003): the largest rise of the distortion to the power -d/2."""
    t = np.concatenate([[0.0], (np.asarray(inertia) / (n * d)) ** (-d / 2)])
    return int(np.argmax(np.diff(t))) + 1


def trimmed(x):
    """The rows whose distance to their k-th nearest neighbour (k = 2d, within 4..32) is within a
    robust fence: the log distance at most 3.5 scaled MADs above its median. Uniform anomalies
    sit far above the groups' rows; the groups' own tails mostly stay."""
    from sklearn.neighbors import NearestNeighbors
    k = int(np.clip(2 * x.shape[1], 4, 32))
    dist = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)[0][:, -1]
    lg = np.log(np.maximum(dist, 1e-300))
    med = np.median(lg)
    mad = 1.4826 * np.median(np.abs(lg - med))
    return x[lg <= med + 3.5 * mad]


def vote(found, curves):
    """telecluster's rule (select::elbow::decide) over the four criteria: the k named most; a tie
    to Calinski-Harabasz's k if tied, else to the tied k with the best silhouette."""
    ks = [found[c] for c in ("knee", "silhouette", "calinski_harabasz", "davies_bouldin") if found[c] is not None]
    count = {k: ks.count(k) for k in ks}
    top = max(count.values())
    tied = sorted(k for k in count if count[k] == top)
    if len(tied) == 1:
        return tied[0]
    if found["calinski_harabasz"] in tied:
        return found["calinski_harabasz"]
    sil = curves["silhouette"]
    return max(tied, key=lambda k: (sil[k - 1] if sil[k - 1] is not None else -2.0, -k))


def criteria(x, k_max, seed, more=False):
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
    ks, inertia, sil, ch, db, bic = [], [], {}, {}, {}, {}
    for k in range(1, min(k_max, len(x) - 1) + 1):
        m = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        ks.append(k)
        inertia.append(m.inertia_)
        if more:
            bic[k] = bic_spherical(x, m.labels_, m.cluster_centers_)
        if k >= 2 and len(np.unique(m.labels_)) >= 2:
            sil[k] = silhouette_score(x, m.labels_, sample_size=min(len(x), 4000), random_state=seed)
            ch[k] = calinski_harabasz_score(x, m.labels_)
            db[k] = davies_bouldin_score(x, m.labels_)
    curves = {"inertia": inertia, "silhouette": [sil.get(k) for k in ks], "calinski_harabasz": [ch.get(k) for k in ks],
              "davies_bouldin": [db.get(k) for k in ks]}
    found = {
        "knee": kneedle(ks, inertia),
        "silhouette": max(sil, key=sil.get) if sil else None,
        "calinski_harabasz": max(ch, key=ch.get) if ch else None,
        "davies_bouldin": min(db, key=db.get) if db else None,
    }
    if more:
        found["bic"] = max(bic, key=bic.get)
        found["jump"] = jump(inertia, *x.shape)
    return curves, found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--k-max", type=int, default=35)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="bench-data/kchoice")
    ap.add_argument("--binary", default="target/release/telecluster")
    ap.add_argument("--json", default=None)
    ap.add_argument("--gap", action="store_true",
                    help="also the gap statistic (5 reference sets per case: slow)")
    ap.add_argument("--more", action="store_true",
                    help="also X-means' BIC and Sugar and James' jump on the same fits")
    ap.add_argument("--trim", action="store_true",
                    help="also the vote of the four criteria on the rows left after a k-NN distance fence")
    ap.add_argument("--reuse", default=None,
                    help="a --json file of an earlier run on the same suite: its criteria are kept, "
                         "only telecluster runs again")
    a = ap.parse_args()
    reuse = {}
    if a.reuse:
        with open(a.reuse) as f:
            reuse = {r["case"]: r for r in json.load(f)}
    from sklearn.preprocessing import StandardScaler
    os.makedirs(a.out, exist_ok=True)
    rows = []
    names = ["knee", "silhouette", "calinski_harabasz", "davies_bouldin", "telecluster"]
    for name, truth, x in suite(a.seed, a.cases):
        path = os.path.join(a.out, name + ".csv")
        np.savetxt(path, x, delimiter=",", header=",".join(f"f{i}" for i in range(x.shape[1])), comments="",
                   fmt="%.17g")
        z = StandardScaler().fit_transform(x)
        if name in reuse and (not a.more or "bic" in reuse[name]):
            old = reuse[name]
            curves = old["curves"]
            found = {c: old[c] for c in [*names[:-1], "bic", "jump"] if c in old}
        else:
            curves, found = criteria(z, a.k_max, a.seed, more=a.more)
        found["vote"] = vote(found, curves)
        for c in ["vote", *(["bic", "jump"] if a.more else [])]:
            if c not in names:
                names.insert(-1, c)
        if a.trim:
            zt = trimmed(z)
            curves_t, found_t = criteria(zt, a.k_max, a.seed)
            found["trimmed_rows"] = len(z) - len(zt)
            found["trimmed"] = {c: found_t[c] for c in names[:4]}
            found["trimmed_vote"] = vote(found_t, curves_t)
            if "trimmed_vote" not in names:
                names.insert(-1, "trimmed_vote")
        if a.gap:
            if "gap" not in found:
                found["gap"] = gap_statistic(z, curves["inertia"], a.seed)
            if "gap" not in names:
                names.insert(-1, "gap")
        t0 = time.perf_counter()
        r = subprocess.run([a.binary, "kmeans", path, "--k", "auto", "--k-max", str(a.k_max), "--json", "-q"],
                           capture_output=True, text=True, check=True)
        found["telecluster"] = json.loads(r.stdout)["kmeans"]["k"]
        found["telecluster_s"] = round(time.perf_counter() - t0, 3)
        rows.append({"case": name, "truth": truth, "rows": len(x), "features": x.shape[1], **found})
        print(json.dumps(rows[-1]), flush=True)
        rows[-1]["curves"] = curves
    print()
    print(f"{'criterion':<20} {'hits':>5} {'within one':>11} {'of':>4}   (synthetic hits / public hits)")
    for c in names:
        hit = [r[c] == r["truth"] for r in rows]
        near = [r[c] is not None and abs(r[c] - r["truth"]) <= 1 for r in rows]
        syn = sum(h for h, r in zip(hit, rows) if r["case"].startswith("synthetic"))
        pub = sum(h for h, r in zip(hit, rows) if r["case"].startswith("public"))
        print(f"{c:<20} {sum(hit):>5} {sum(near):>11} {len(rows):>4}   ({syn} / {pub})")
    for r in rows:
        r.pop("curves") if not a.json else None
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
