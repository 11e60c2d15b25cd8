"""Runs the seed's modules (seed_dcgan.py) on weights and inputs written by
test/gan/torch_parity.test.ts, already in PyTorch's layouts and names.

    /usr/bin/python3 torch_parity.py CASE_DIR...

Each CASE_DIR holds case.json ({size, zDim, ngf, ndf, dBatchNorm, tensors:
{name: shape}}) and NAME.f32 files (raw little-endian float32). Writes into
the same folder, as .f32 plus out.json with the shapes:
  g_eval, g_train (N, 3, S, S); d_eval, d_train (N,) logits;
  after one train-mode forward of each: every BatchNorm's running_mean/var
  (as stat.<state_dict key>.f32).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_dcgan import Discriminator, Generator  # noqa: E402


def load(d, name, shape):
    a = np.fromfile(os.path.join(d, name + ".f32"), dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise SystemExit(f"{d}/{name}.f32: {a.size} values, shape {shape}")
    return torch.from_numpy(a.reshape(shape).copy())


def put(d, out, name, t):
    a = t.detach().cpu().numpy().astype("<f4")
    a.tofile(os.path.join(d, name + ".f32"))
    out[name] = list(a.shape)


def set_weights(module, prefix, tensors, d):
    sd = {k[len(prefix):]: load(d, k, shape) for k, shape in tensors.items() if k.startswith(prefix)}
    missing, unexpected = module.load_state_dict(sd, strict=False)
    bad = [k for k in missing if not k.endswith("num_batches_tracked")]
    if bad or unexpected:
        raise SystemExit(f"{d}: missing {bad}, unexpected {unexpected}")


def run_case(d):
    torch.manual_seed(0)
    with open(os.path.join(d, "case.json")) as f:
        c = json.load(f)
    G = Generator(c["zDim"], c["ngf"], c["size"])
    D = Discriminator(3, c["ndf"], c["size"], d_bn=c["dBatchNorm"])
    set_weights(G, "G.", c["tensors"], d)
    set_weights(D, "D.", c["tensors"], d)
    z = load(d, "z", c["inputs"]["z"])
    x = load(d, "x", c["inputs"]["x"])
    out = {}
    with torch.no_grad():
        G.eval()
        D.eval()
        put(d, out, "g_eval", G(z))
        put(d, out, "d_eval", D.logits(x))
        G.train()
        D.train()
        put(d, out, "g_train", G(z))
        put(d, out, "d_train", D.logits(x))
    for prefix, m in (("G.", G), ("D.", D)):
        for k, v in m.state_dict().items():
            if k.endswith("running_mean") or k.endswith("running_var"):
                put(d, out, "stat." + prefix + k, v)
    with open(os.path.join(d, "out.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case_dir in sys.argv[1:]:
        run_case(case_dir)
