"""PyTorch's side of test/bridge/torch_bridge.test.ts (run by /usr/bin/python3, Debian's torch).

  torch_bridge.py load JOB.json   our exported files -> the seed's modules (strict) -> outputs
  torch_bridge.py save JOB.json   a seed G of its own -> torch.save(G.state_dict()) + its images

Arrays travel as raw little-endian float32 files; images are NCHW.
"""
import json, os, struct, sys
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'reference'))
from seed_dcgan import Generator, Discriminator  # noqa: E402


def read_safetensors(path):
    """An independent reader of the format (the safetensors package is not installed here)."""
    b = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', b[:8])
    header = json.loads(b[8:8 + n])
    data = b[8 + n:]
    dt = {'F32': np.float32, 'I64': np.int64}
    out = {}
    for k, h in header.items():
        if k == '__metadata__':
            continue
        s, e = h['data_offsets']
        out[k] = torch.from_numpy(np.frombuffer(data[s:e], dtype=dt[h['dtype']]).reshape(h['shape']).copy())
    return out


def load_sd(path):
    return read_safetensors(path) if path.endswith('.safetensors') else torch.load(path, weights_only=True)


def arr(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype='<f4').reshape(shape))


def put(path, t):
    t.detach().numpy().astype('<f4').tofile(path)


job = json.load(open(sys.argv[2]))
torch.set_grad_enabled(False)
if sys.argv[1] == 'load':
    n, s = job['n'], job['size']
    G = Generator(job['zDim'], job['ngf'], s)
    G.load_state_dict(load_sd(job['g']), strict=True)
    tracked = G.l1[1].num_batches_tracked.item()
    D = Discriminator(3, job['ndf'], s, d_bn=job['dBn'])
    D.load_state_dict(load_sd(job['d']), strict=True)
    z = arr(job['z'], (n, job['zDim']))
    x = arr(job['x'], (n, 3, s, s))
    G.eval(); put(job['out'] + '/g_eval.f32', G(z))
    D.eval(); put(job['out'] + '/d_eval.f32', D.logits(x))
    G.train(); put(job['out'] + '/g_train.f32', G(z))
    D.train(); put(job['out'] + '/d_train.f32', D.logits(x))
    print('ok', tracked)
elif sys.argv[1] == 'save':
    torch.manual_seed(job['seed'])
    G = Generator(job['zDim'], job['ngf'], job['size'])
    for m in G.modules():  # trained-looking BatchNorm: statistics and affine parameters away from 0/1
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 2.0)
            m.weight.uniform_(0.7, 1.3); m.bias.uniform_(-0.3, 0.3)
            m.num_batches_tracked.fill_(123)
    G.eval()
    z = arr(job['z'], (job['n'], job['zDim']))
    put(job['images'], G(z))
    torch.save(G.state_dict(), job['out'])
    print('ok')
else:
    raise SystemExit('usage: torch_bridge.py load|save JOB.json')
