"""A straightforward NumPy sliced Wasserstein distance, step by step as ProGAN
(Karras et al. 2018) describes it and its metrics code does it, written
independently of ganforge's implementation (no shared code, its own random
draws). test/metrics/swd_numpy.test.ts compares the two.

  Laplacian pyramid: 5x5 binomial filter [1,4,6,4,1]/16 in both directions,
  mirror edges without repeating the edge pixel (numpy's 'reflect', scipy's
  'mirror'); pyr_down keeps every second pixel of the blurred image; pyr_up
  inserts zeros and blurs with 4x the filter; each level is the image minus
  the up-sampled next level, the last one the low-pass image.
  Descriptors: 7x7x3 neighbourhoods at random positions, nhoods per image,
  each set normalised per colour channel by its own mean and std.
  Distance: repeats x random unit directions, project, sort, mean |a - b|,
  mean over directions; x1e3 per level.

Usage: swd_numpy.py JOB.json  ->  JSON on stdout
  job: {"sets": {name: {"path": raw u8 NHWC file, "n", "h", "w"}},
        "pairs": [[a, b], ...], "seed", "nhoods", "repeats", "dirs",
        "dump": a folder or null}
  out: [{"a", "b", "resolutions": [...], "per_level": [...], "avg",
         "per_dir": [[W1 of each direction] per level]}, ...]
With "dump", each pair's draws go there, so another implementation can be
run on the same patches and directions: P-L-ya.i32, -xa, -yb, -xb (each
patch's top-left row and column, image by image) and P-L-dirs.f64 (the unit
directions, [ndirs][147] in this file's component order: channel, row,
column), for pair index P and level L.
"""
import json
import sys

import numpy as np

TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def blur(x):
    """[N, C, H, W] float64, separable 5-tap binomial, mirror edges."""
    h, w = x.shape[2], x.shape[3]
    p = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="reflect")
    rows = sum(TAPS[i] * p[:, :, i:i + h, :] for i in range(5))
    return sum(TAPS[i] * rows[:, :, :, i:i + w] for i in range(5))


def pyr_down(x):
    return blur(x)[:, :, ::2, ::2]


def pyr_up(x):
    n, c, h, w = x.shape
    z = np.zeros((n, c, 2 * h, 2 * w))
    z[:, :, ::2, ::2] = x
    return blur(z) * 4.0


def laplacian_pyramid(x, levels):
    pyr = [x]
    for _ in range(1, levels):
        pyr.append(pyr_down(pyr[-1]))
        pyr[-2] = pyr[-2] - pyr_up(pyr[-1])
    return pyr


def positions(level, nhoods, rng, size=7):
    n, c, h, w = level.shape
    ys = rng.integers(0, h - size + 1, size=(n, nhoods))
    xs = rng.integers(0, w - size + 1, size=(n, nhoods))
    return ys, xs


def descriptors(level, ys, xs, size=7):
    """[n * nhoods, C, size, size]: every size x size window, picked by fancy indexing."""
    win = np.lib.stride_tricks.sliding_window_view(level, (size, size), axis=(2, 3))  # [n, C, h', w', size, size]
    img = np.repeat(np.arange(level.shape[0]), ys.shape[1])
    return win[img, :, ys.ravel(), xs.ravel()]


def finalize(desc):
    desc = desc - desc.mean(axis=(0, 2, 3), keepdims=True)
    sd = desc.std(axis=(0, 2, 3), keepdims=True)
    desc = desc / np.where(sd > 0, sd, 1.0)
    return desc.reshape(desc.shape[0], -1)


def sliced_wasserstein(a, b, repeats, per_repeat, rng):
    """The mean over repeats of the mean over directions of W1 (equal sizes: mean |sorted a - sorted b|); also each direction's W1 and the directions."""
    results, per_dir, all_dirs = [], [], []
    for _ in range(repeats):
        dirs = rng.standard_normal((a.shape[1], per_repeat))
        dirs /= np.sqrt(np.sum(dirs * dirs, axis=0, keepdims=True))
        pa = np.sort(a @ dirs, axis=0)
        pb = np.sort(b @ dirs, axis=0)
        d = np.mean(np.abs(pa - pb), axis=0)
        results.append(np.mean(d))
        per_dir.extend(d.tolist())
        all_dirs.append(dirs.T)
    return float(np.mean(results)), per_dir, np.concatenate(all_dirs)


def main():
    job = json.load(open(sys.argv[1]))
    rng = np.random.default_rng(job["seed"])
    images = {}
    for name, s in job["sets"].items():
        raw = np.fromfile(s["path"], dtype=np.uint8).reshape(s["n"], s["h"], s["w"], 3)
        images[name] = raw.transpose(0, 3, 1, 2).astype(np.float64)
    out = []
    dump = job.get("dump")
    for p, (a, b) in enumerate(job["pairs"]):
        xa, xb = images[a], images[b]
        res, levels = [], 0
        r = xa.shape[2]
        while r >= 16:
            res.append(r)
            levels += 1
            r //= 2
        pa, pb = laplacian_pyramid(xa, levels), laplacian_pyramid(xb, levels)
        per_level, per_dir = [], []
        for l in range(levels):
            ya, xa_ = positions(pa[l], job["nhoods"], rng)
            yb, xb_ = positions(pb[l], job["nhoods"], rng)
            da = finalize(descriptors(pa[l], ya, xa_))
            db = finalize(descriptors(pb[l], yb, xb_))
            v, d, dirs = sliced_wasserstein(da, db, job["repeats"], job["dirs"], rng)
            per_level.append(v * 1e3)
            per_dir.append(d)
            if dump:
                for name, arr in (("ya", ya), ("xa", xa_), ("yb", yb), ("xb", xb_)):
                    arr.astype(np.int32).tofile(f"{dump}/{p}-{l}-{name}.i32")
                dirs.astype(np.float64).tofile(f"{dump}/{p}-{l}-dirs.f64")
        out.append({"a": a, "b": b, "resolutions": res, "per_level": per_level, "avg": float(np.mean(per_level)), "per_dir": per_dir})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
