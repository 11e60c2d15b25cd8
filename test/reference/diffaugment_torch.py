"""DiffAugment as the authors publish it (mit-han-lab/data-efficient-gans,
DiffAugment_pytorch.py), ported to take its random draws as inputs so that
test/gan/diffaugment_torch.test.ts can compare src/gan/diffaugment.ts with it
on the same draws. The ops keep the published formulation: NCHW tensors,
translation by a gather from a 1-pixel zero-padded copy with clamped indices,
cutout by scattering zeros at clamped indices of a square grid.

    /usr/bin/python3 diffaugment_torch.py CASE_DIR...

Each CASE_DIR holds case.json ({n, h, w, ops, draws: {name: [values]}}) and
x.f32 / w.f32 (raw little-endian float32, NHWC). Writes y.f32 (the augmented
images, NHWC) and g.f32 (d sum(w * y) / dx by autograd, NHWC).
"""
import json
import os
import sys

import numpy as np
import torch


def per_image(v):
    return torch.tensor(v, dtype=torch.float32).view(-1, 1, 1, 1)


def color(x, d):
    x = x + per_image(d["brightness"])
    m = x.mean(dim=1, keepdim=True)
    x = (x - m) * per_image(d["saturation"]) + m
    m = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - m) * per_image(d["contrast"]) + m


def translation(x, d):
    n, _, h, w = x.shape
    # the published op: shift along H ("translation_x", dim 2) and W
    # ("translation_y", dim 3), read from the zero-padded image at clamped
    # indices, so anything shifted in from outside is a padding zero
    sh = torch.tensor(d["ty"], dtype=torch.long).view(n, 1, 1)
    sw = torch.tensor(d["tx"], dtype=torch.long).view(n, 1, 1)
    b, i, j = torch.meshgrid(torch.arange(n), torch.arange(h), torch.arange(w), indexing="ij")
    i = torch.clamp(i + sh + 1, 0, h + 1)
    j = torch.clamp(j + sw + 1, 0, w + 1)
    padded = torch.nn.functional.pad(x, [1, 1, 1, 1])
    return padded.permute(0, 2, 3, 1)[b, i, j].permute(0, 3, 1, 2)


def cutout(x, d):
    n, _, h, w = x.shape
    sh, sw = h // 2, w // 2
    oh = torch.tensor(d["cy"], dtype=torch.long).view(n, 1, 1)
    ow = torch.tensor(d["cx"], dtype=torch.long).view(n, 1, 1)
    b, i, j = torch.meshgrid(torch.arange(n), torch.arange(sh), torch.arange(sw), indexing="ij")
    i = torch.clamp(i + oh - sh // 2, 0, h - 1)
    j = torch.clamp(j + ow - sw // 2, 0, w - 1)
    mask = torch.ones(n, h, w)
    mask[b, i, j] = 0
    return x * mask.unsqueeze(1)


OPS = {"color": color, "translation": translation, "cutout": cutout}


def run(case_dir):
    with open(os.path.join(case_dir, "case.json")) as f:
        c = json.load(f)
    n, h, w = c["n"], c["h"], c["w"]
    shape = (n, h, w, 3)

    def load(name):
        a = np.fromfile(os.path.join(case_dir, name + ".f32"), dtype="<f4")
        if a.size != n * h * w * 3:
            raise SystemExit(f"{case_dir}/{name}.f32: {a.size} values, expected {n * h * w * 3}")
        return torch.from_numpy(a.reshape(shape).copy())

    x = load("x").permute(0, 3, 1, 2).contiguous().requires_grad_(True)
    wts = load("w").permute(0, 3, 1, 2)
    y = x
    for op in c["ops"]:
        y = OPS[op](y, c["draws"])
    (y * wts).sum().backward()
    y.detach().permute(0, 2, 3, 1).numpy().astype("<f4").tofile(os.path.join(case_dir, "y.f32"))
    x.grad.permute(0, 2, 3, 1).numpy().astype("<f4").tofile(os.path.join(case_dir, "g.f32"))


if __name__ == "__main__":
    for d in sys.argv[1:]:
        run(d)
