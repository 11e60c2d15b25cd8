// The course study as a list of ordinary training runs: the DCGAN baseline,
// the assignment's WGAN (clip 0.01, RMSprop), the same WGAN pushed into mode
// collapse (clip 0.1), and two mitigations that keep the optimizer and the
// number of steps (dropout in D; the gradient penalty instead of clipping).
export type Scale = 'tiny' | 'quick' | 'full';
/**
 * baseline: the DCGAN; wgan: the assignment's WGAN; probe: a setting the
 * course reports use to collapse a model, run to see whether it does here;
 * collapse: the run collapsed on purpose; mitigation: the collapse run with
 * one change that keeps the optimizer and the number of steps.
 */
export type Role = 'baseline' | 'wgan' | 'probe' | 'collapse' | 'mitigation';

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
  // steps: DCGAN-style runs / WGAN runs (5 critic steps each); diversity scored every `div`
  const s = { tiny: { dc: 3, w: 2, div: 1 }, quick: { dc: 600, w: 200, div: 50 }, full: { dc: 6000, w: 2000, div: 250 } }[scale];
  if (!s) throw new Error(`--scale must be tiny, quick or full, got ${JSON.stringify(scale)}`);
  const common =
    scale === 'full'
      ? ['--size', '64', '--ngf', '64', '--ndf', '64', '--batch', '64', '--diversity-samples', '256']
      : ['--size', '32', '--ngf', '32', '--ndf', '32', '--batch', '64', '--diversity-samples', scale === 'quick' ? '128' : '16'];
  common.push('--diversity-every', String(s.div), '--sample-every', String(s.div * 2), '--checkpoint-every', String(s.div * 4), '--seed', '1');
  const dc = ['--steps', String(s.dc)];
  const w = ['--steps', String(s.w)];
  // RMSprop 5e-5, the assignment's rate, needs thousands of generator steps;
  // the quick scale uses 5e-4 so 200 steps get past the blob stage.
  const wlr = scale === 'full' ? '5e-5' : '5e-4';
  return {
    scale,
    common,
    note:
      scale === 'full'
        ? 'the seed sizes: 64x64, ngf = ndf = 64, batch 64, 256 fixed-z samples scored every 250 steps; DCGAN-style runs 6,000 generator steps, WGAN runs 2,000 (5 critic steps each)'
        : scale === 'quick'
          ? 'scaled to fit 30 minutes on a 2-core CPU: 32x32 images, ngf = ndf = 32, batch 64, 128 fixed-z samples scored every 50 steps; DCGAN-style runs 600 generator steps, WGAN runs 200 (5 critic steps each) with RMSprop at 5e-4 instead of the assignment\'s 5e-5, which needs thousands of steps'
          : 'a smoke test: a few steps per run',
    runs: [
      { name: 'dcgan', title: 'DCGAN baseline (BCE, Adam 1e-4 for G and D)', role: 'baseline', args: ['--loss', 'bce', '--lr', '1e-4', ...dc] },
      { name: 'wgan-clip0.01', title: `WGAN, clip 0.01, RMSprop ${wlr} (the assignment's WGAN)`, role: 'wgan', args: ['--loss', 'wgan', '--clip', '0.01', '--lr', wlr, ...w] },
      { name: 'wgan-clip0.1', title: `WGAN, clip raised to 0.1, RMSprop ${wlr} (the reports' way to collapse it)`, role: 'probe', args: ['--loss', 'wgan', '--clip', '0.1', '--lr', wlr, ...w] },
      { name: 'dcgan-glr10', title: "DCGAN with G's learning rate 10x D's (Adam 1e-3 vs 1e-4): collapse on purpose", role: 'collapse', args: ['--loss', 'bce', '--lr', '1e-3', '--lr-d', '1e-4', ...dc] },
      { name: 'dcgan-glr10-2d', title: 'mitigation: the same, with two D updates per G update (same optimizer and learning rates, same generator steps)', role: 'mitigation', args: ['--loss', 'bce', '--lr', '1e-3', '--lr-d', '1e-4', '--n-critic', '2', ...dc] },
    ],
  };
}
