#!/usr/bin/env python3
"""The course's DCGAN recipe in PyTorch: the peer row of `npm run bench:quality`.

Trains the seed architecture (the same one src/gan/models.ts builds: 5x5 stride-2
(transposed) convolutions, BatchNorm, ReLU / LeakyReLU(0.2), a 4x4 valid output
conv) with BCE, Adam 1e-4 (0.5, 0.999), batch 64, N(0, 0.02) weights and
BatchNorm weights N(1, 0.02), on the images of a uint8 NHWC .npy, until
--seconds have passed since this process started (start-up and data loading
included, as the bench times `node scripts/train.js`). Then writes --n samples
of the generator in eval mode as uint8 NHWC .npy, and a JSON summary.

  /usr/bin/python3 bench/peer/dcgan_torch.py --data train.npy --seconds 600 \
      --out fakes.npy --json peer.json [--size 32 --ngf 32 --ndf 32 --z-dim 100 --n 1000]
"""
import time

T0 = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def stages_for(size):
    if size not in (32, 64):
        raise SystemExit(f"dcgan_torch.py: --size must be 32 or 64, got {size}")
    return {32: 3, 64: 4}[size]


class Generator(nn.Module):
    def __init__(self, size, z_dim, ngf):
        super().__init__()
        stages = stages_for(size)
        self.c0 = c = ngf * 2 ** (stages - 1)
        self.fc = nn.Sequential(nn.Linear(z_dim, 16 * c, bias=False), nn.BatchNorm1d(16 * c), nn.ReLU(True))
        layers = []
        for _ in range(1, stages):
            layers += [nn.ConvTranspose2d(c, c // 2, 5, 2, padding=2, output_padding=1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, 3, 5, 2, padding=2, output_padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(self.fc(z).view(-1, self.c0, 4, 4))


class Discriminator(nn.Module):
    def __init__(self, size, ndf):
        super().__init__()
        stages = stages_for(size)
        layers = [nn.Conv2d(3, ndf, 5, 2, padding=2), nn.LeakyReLU(0.2, True)]
        c = ndf
        for _ in range(1, stages):
            layers += [nn.Conv2d(c, 2 * c, 5, 2, padding=2), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2, True)]
            c *= 2
        layers += [nn.Conv2d(c, 1, 4)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).view(-1)


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch uses the system libblas.so.3)."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                if "blas" in line.lower():
                    return os.path.realpath(line.split()[-1])
    except OSError:
        pass
    return None


def save_npy_atomic(path, arr):
    tmp = f"{path}.tmp-{os.getpid()}.npy"
    np.save(tmp, arr)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="uint8 .npy, N x S x S x 3")
    ap.add_argument("--seconds", type=float, required=True, help="wall-clock budget from process start")
    ap.add_argument("--out", required=True, help="samples .npy (uint8, n x S x S x 3)")
    ap.add_argument("--json", required=True, help="summary .json")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--ndf", type=int, default=32)
    ap.add_argument("--z-dim", type=int, default=100)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps too (0 = time only)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    try:
        data = np.load(a.data, mmap_mode=None)
    except Exception as e:  # a clear one-liner for the bench to show
        print(f"dcgan_torch.py: cannot read {a.data}: {e}", file=sys.stderr)
        return 2
    if data.dtype != np.uint8 or data.ndim != 4 or data.shape[1:] != (a.size, a.size, 3):
        print(f"dcgan_torch.py: {a.data} is {data.dtype} {data.shape}, expected uint8 N x {a.size} x {a.size} x 3", file=sys.stderr)
        return 2
    n = data.shape[0]
    if n < a.batch:
        print(f"dcgan_torch.py: {n} images in {a.data}, fewer than a batch of {a.batch}", file=sys.stderr)
        return 2
    # NCHW float in [-1, 1], converted once (at 32x32: 12 KB per image)
    images = torch.from_numpy(data).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0).contiguous()

    G, D = Generator(a.size, a.z_dim, a.ngf), Discriminator(a.size, a.ndf)
    G.apply(init_weights)
    D.apply(init_weights)
    opt_g = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(a.batch), torch.zeros(a.batch)

    t_train = time.monotonic()
    steps, order, pos = 0, rng.permutation(n), 0
    loss_d = loss_g = None
    # at least one step, however long start-up took
    while steps == 0 or (time.monotonic() - T0 < a.seconds and (a.max_steps <= 0 or steps < a.max_steps)):
        if pos + a.batch > n:
            order, pos = rng.permutation(n), 0
        real = images[torch.from_numpy(order[pos:pos + a.batch])]
        pos += a.batch
        z = torch.randn(a.batch, a.z_dim)
        fake = G(z)
        opt_d.zero_grad(set_to_none=True)
        ld = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        ld.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        lg = bce(D(fake), ones)
        lg.backward()
        opt_g.step()
        steps += 1
        loss_d, loss_g = ld.item(), lg.item()
    t_end = time.monotonic()

    G.eval()
    out = []
    with torch.no_grad():
        for i in range(0, a.n, 250):
            x = G(torch.randn(min(250, a.n - i), a.z_dim))
            out.append(((x.permute(0, 2, 3, 1) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy())
    save_npy_atomic(a.out, np.concatenate(out))
    summary = {
        "steps": steps,
        "wall_s": t_end - T0,
        "train_s": t_end - t_train,
        "startup_s": t_train - T0,
        "loss_d": loss_d,
        "loss_g": loss_g,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_library(),
        "blas_info": next((p.split("=", 1)[1] for p in torch.__config__.show().replace(",", " ").split() if p.startswith("BLAS_INFO=")), None),
        "images": n,
    }
    tmp = f"{a.json}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=2)
    os.replace(tmp, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
