// What a progress line says, the same in the CLI and on the page. The speed is
// seconds per generator step and generated images per second (batch x steps /
// s); the critic's extra batches (--n-critic) are not counted as images. The
// Wasserstein losses' discriminator is a critic with unbounded outputs, so its
// means are labelled critic(x) and critic(G(z)), not D(x) and D(G(z)).
import type { LossName } from '../gan/losses';
import type { ProgressInfo } from './loop';

export function outputLabels(loss: LossName): { real: string; fake: string } {
  return loss === 'wgan' || loss === 'wgan-gp' ? { real: 'critic(x)', fake: 'critic(G(z))' } : { real: 'D(x)', fake: 'D(G(z))' };
}

/** Seconds per step with enough digits to read, e.g. 0.312 s/step, 3.41 s/step, 12.0 s/step. */
export function formatSecPerStep(s: number): string {
  if (!Number.isFinite(s)) return '- s/step';
  return `${s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3)} s/step`;
}

export function formatImagesPerSec(ips: number): string {
  return `${ips >= 100 ? ips.toFixed(0) : ips.toFixed(1)} img/s`;
}

/** The metrics part of a progress line: losses, the D/critic means, speed. */
export function progressText(p: ProgressInfo, loss: LossName): string {
  const m = p.metrics;
  const l = outputLabels(loss);
  return [
    `lossD ${m.lossD.toFixed(3)}`,
    `lossG ${m.lossG.toFixed(3)}`,
    `${l.real} ${m.dReal.toFixed(2)}`,
    `${l.fake} ${m.dFake.toFixed(2)}`,
    formatSecPerStep(p.secPerStep),
    formatImagesPerSec(p.imagesPerSec),
  ].join(' ');
}
