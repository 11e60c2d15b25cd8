"""The course seed's DCGAN (HW11, PyTorch), as ganforge's models reproduce it.

    from seed_dcgan import Generator, Discriminator
    G = Generator(in_dim=100, dim=64)            # 64x64; size=32 has one stage fewer
    D = Discriminator(in_dim=3, dim=64)          # d_bn=False: no BatchNorm (ganforge's --sn / wgan-gp)

Parameter names are the seed's: l1.0.weight, l1.1.running_mean, l2_5.0.0.weight,
..., ls.5.bias. D ends in a Sigmoid as in the seed; `D.logits(x)` is the output
before it (what ganforge's discriminator returns). Without BatchNorm a hidden D
stage is Sequential(Conv2d, LeakyReLU), so the conv keeps its name (ls.2.0.weight).
"""
import torch.nn as nn


def _stages(size):
    if size not in (32, 64):
        raise ValueError(f"size must be 32 or 64, got {size}")
    return 4 if size == 64 else 3


class Generator(nn.Module):
    """z (N, in_dim) -> images (N, 3, size, size) in [-1, 1]."""

    def __init__(self, in_dim, dim=64, size=64):
        super().__init__()

        def dconv_bn_relu(in_dim, out_dim):
            return nn.Sequential(
                nn.ConvTranspose2d(in_dim, out_dim, 5, 2, padding=2, output_padding=1, bias=False),
                nn.BatchNorm2d(out_dim),
                nn.ReLU(),
            )

        stages = _stages(size)
        c0 = dim * 2 ** (stages - 1)
        self.c0 = c0
        self.l1 = nn.Sequential(
            nn.Linear(in_dim, c0 * 4 * 4, bias=False),
            nn.BatchNorm1d(c0 * 4 * 4),
            nn.ReLU(),
        )
        layers, c = [], c0
        for _ in range(stages - 1):
            layers.append(dconv_bn_relu(c, c // 2))
            c //= 2
        layers += [nn.ConvTranspose2d(c, 3, 5, 2, padding=2, output_padding=1), nn.Tanh()]
        self.l2_5 = nn.Sequential(*layers)

    def forward(self, x):
        y = self.l1(x)
        y = y.view(y.size(0), -1, 4, 4)
        return self.l2_5(y)


class Discriminator(nn.Module):
    """images (N, 3, size, size) -> probabilities (N,)."""

    def __init__(self, in_dim=3, dim=64, size=64, d_bn=True):
        super().__init__()

        def conv_bn_lrelu(in_dim, out_dim):
            if not d_bn:
                return nn.Sequential(nn.Conv2d(in_dim, out_dim, 5, 2, 2), nn.LeakyReLU(0.2))
            return nn.Sequential(nn.Conv2d(in_dim, out_dim, 5, 2, 2), nn.BatchNorm2d(out_dim), nn.LeakyReLU(0.2))

        stages = _stages(size)
        layers, c = [nn.Conv2d(in_dim, dim, 5, 2, 2), nn.LeakyReLU(0.2)], dim
        for _ in range(stages - 1):
            layers.append(conv_bn_lrelu(c, c * 2))
            c *= 2
        layers += [nn.Conv2d(c, 1, 4), nn.Sigmoid()]
        self.ls = nn.Sequential(*layers)

    def logits(self, x):
        return self.ls[:-1](x).view(-1)

    def forward(self, x):
        return self.ls(x).view(-1)
