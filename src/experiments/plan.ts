// The course study as a list of ordinary training runs: the DCGAN baseline,
// the assignment's WGAN (clip 0.01, RMSprop), the same WGAN pushed into mode
// collapse (clip 0.1), and two mitigations that keep the optimizer and the
// number of steps (dropout in D; the gradient penalty instead of clipping).
export type Scale = 'tiny' | 'quick' | 'full';
export type Role = 'baseline' | 'wgan' | 'collapse' | 'mitigation';

export interface RunSpec {
  name: string;
  title: string;
  role: Role;
  args: string[];
}

export interface Plan {
  scale: Scale;
  /** Flags every run gets first (the run's own and --train-args come after and win). */
  common: string[];
  runs: RunSpec[];
  /** What this scale gives up, for the report. */
  note: string;
}

export function planFor(scale: Scale): Plan {
  const s = { tiny: { dc: 3, w: 2, div: 1 }, quick: { dc: 600, w: 200, div: 40 }, full: { dc: 6000, w: 2000, div: 250 } }[scale];
  if (!s) throw new Error(`--scale must be tiny, quick or full, got ${JSON.stringify(scale)}`);
  const common =
    scale === 'full'
      ? ['--size', '64', '--ngf', '64', '--ndf', '64', '--batch', '64', '--diversity-samples', '256']
      : ['--size', '32', '--ngf', '32', '--ndf', '32', '--batch', '64', '--diversity-samples', scale === 'quick' ? '128' : '16'];
  common.push('--diversity-every', String(s.div), '--sample-every', String(Math.max(1, s.div * 5)), '--checkpoint-every', String(Math.max(1, s.div * 5)), '--seed', '1');
  const w = String(s.w);
  return {
    scale,
    common,
    note:
      scale === 'full'
        ? 'the seed sizes: 64x64, ngf = ndf = 64, batch 64'
        : scale === 'quick'
          ? 'scaled to fit 30 minutes on a 2-core CPU: 32x32 images, ngf = ndf = 32, batch 64, 128 fixed-z samples scored every 40 steps, DCGAN 600 steps, each WGAN variant 200 generator steps (5 critic steps each)'
          : 'a smoke test: a few steps per run',
    runs: [
      { name: 'dcgan', title: 'DCGAN baseline (BCE, Adam 1e-4)', role: 'baseline', args: ['--loss', 'bce', '--steps', String(s.dc)] },
      { name: 'wgan-clip0.01', title: 'WGAN, clip 0.01, RMSprop 5e-5 (the assignment)', role: 'wgan', args: ['--loss', 'wgan', '--clip', '0.01', '--steps', w] },
      { name: 'wgan-clip0.1', title: 'WGAN, clip raised to 0.1 (collapse on purpose)', role: 'collapse', args: ['--loss', 'wgan', '--clip', '0.1', '--steps', w] },
      { name: 'wgan-clip0.1-dropout', title: 'mitigation: clip 0.1 + dropout 0.3 in D (same optimizer, same steps)', role: 'mitigation', args: ['--loss', 'wgan', '--clip', '0.1', '--d-dropout', '0.3', '--steps', w] },
      { name: 'wgan-gp', title: 'mitigation: gradient penalty instead of clipping (RMSprop 5e-5, same steps)', role: 'mitigation', args: ['--loss', 'wgan-gp', '--opt', 'rmsprop', '--lr', '5e-5', '--steps', w] },
    ],
  };
}
