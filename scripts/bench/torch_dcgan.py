#!/usr/bin/env python3
# PyTorch peer of bench:train: the seed DCGAN-64 step (one D update on a real
# and a generated batch, one G update; Adam 1e-4 (0.5, 0.999), BCE with
# logits) at the given batch, on the CPU, all cores. Prints one JSON line:
#   {"torch": version, "threads": n, "batch": b, "allMs": [...], "stepMs": median}
# Run by scripts/bench/train.js through /usr/bin/python3 (Debian's python3-torch).
import json, os, sys, time

import torch
import torch.nn as nn


def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


B, STEPS = arg('--batch', 64), arg('--steps', 2)
torch.set_num_threads(arg('--threads', os.cpu_count() or 1))
torch.manual_seed(1)
Z, NGF, NDF = 100, 64, 64


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(Z, 4 * 4 * NGF * 8, bias=False), nn.BatchNorm1d(4 * 4 * NGF * 8), nn.ReLU(True))
        def up(i, o): return [nn.ConvTranspose2d(i, o, 5, 2, padding=2, output_padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(True)]
        self.net = nn.Sequential(*up(NGF * 8, NGF * 4), *up(NGF * 4, NGF * 2), *up(NGF * 2, NGF),
                                 nn.ConvTranspose2d(NGF, 3, 5, 2, padding=2, output_padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(self.fc(z).view(-1, NGF * 8, 4, 4))


def down(i, o, bn=True):
    return [nn.Conv2d(i, o, 5, 2, padding=2)] + ([nn.BatchNorm2d(o)] if bn else []) + [nn.LeakyReLU(0.2, True)]


g = G()
d = nn.Sequential(*down(3, NDF, False), *down(NDF, NDF * 2), *down(NDF * 2, NDF * 4), *down(NDF * 4, NDF * 8), nn.Conv2d(NDF * 8, 1, 4), nn.Flatten())
og = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.5, 0.999))
od = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.5, 0.999))
loss = nn.BCEWithLogitsLoss()
real = torch.rand(B, 3, 64, 64) * 2 - 1
ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)


def step():
    od.zero_grad()
    with torch.no_grad():
        fake = g(torch.randn(B, Z))
    ld = loss(d(real), ones) + loss(d(fake), zeros)
    ld.backward()
    od.step()
    og.zero_grad()
    lg = loss(d(g(torch.randn(B, Z))), ones)
    lg.backward()
    og.step()


step()  # warm-up
times = []
for _ in range(STEPS):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': B, 'allMs': times, 'stepMs': sorted(times)[len(times) // 2]}))
