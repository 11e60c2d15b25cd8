// GAN objectives on raw discriminator outputs (logits for BCE, critic values
// otherwise). Each returns scalar tensors; the caller differentiates them.
//
//   bce     D: (BCE(r, 1) + BCE(f, 0)) / 2     G: BCE(f, 1)      (sigmoid inside, with logits)
//   lsgan   D: (mean((r-1)^2) + mean(f^2)) / 2  G: mean((f-1)^2) / 2
//   wgan    D: -mean(r) + mean(f)               G: -mean(f)       (+ weight clipping, elsewhere)
//   wgan-gp D: wgan + lambda * mean((|grad D(x^)| - 1)^2)        (penalty, elsewhere)
//   hinge   D: mean(relu(1 - r)) + mean(relu(1 + f))   G: -mean(f)
import { tf, type Tensor, type Scalar } from '../tf';

export type LossName = 'bce' | 'lsgan' | 'wgan' | 'wgan-gp' | 'hinge';
export const LOSSES: readonly LossName[] = ['bce', 'lsgan', 'wgan', 'wgan-gp', 'hinge'];

/** Mean binary cross-entropy of logits against a constant label, stably. */
export function bceWithLogits(logits: Tensor, label: 0 | 1): Scalar {
  // BCE(x, 1) = softplus(-x), BCE(x, 0) = softplus(x)
  return tf.mean(tf.softplus(label === 1 ? tf.neg(logits) : logits)) as Scalar;
}

export function discriminatorLoss(loss: LossName, real: Tensor, fake: Tensor): Scalar {
  switch (loss) {
    case 'bce':
      return tf.div(tf.add(bceWithLogits(real, 1), bceWithLogits(fake, 0)), 2) as Scalar;
    case 'lsgan':
      return tf.div(tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake))), 2) as Scalar;
    case 'wgan':
    case 'wgan-gp':
      return tf.sub(tf.mean(fake), tf.mean(real)) as Scalar;
    case 'hinge':
      return tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))) as Scalar;
  }
}

export function generatorLoss(loss: LossName, fake: Tensor): Scalar {
  switch (loss) {
    case 'bce':
      return bceWithLogits(fake, 1);
    case 'lsgan':
      return tf.div(tf.mean(tf.square(tf.sub(fake, 1))), 2) as Scalar;
    case 'wgan':
    case 'wgan-gp':
    case 'hinge':
      return tf.neg(tf.mean(fake)) as Scalar;
  }
}

/**
 * WGAN-GP penalty: mean over the batch of (||d critic(x^) / d x^||_2 - 1)^2
 * at x^ = alpha * real + (1 - alpha) * fake, alpha ~ U[0, 1] per sample.
 * Differentiating this needs second-order gradients through the critic.
 */
export function gradientPenalty(critic: (x: Tensor) => Tensor, real: Tensor, fake: Tensor, alpha: Tensor): Scalar {
  const a = tf.reshape(alpha, [-1, ...real.shape.slice(1).map(() => 1)]);
  const xhat = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake));
  const g = tf.grad((x: Tensor) => tf.sum(critic(x)))(xhat);
  const axes = g.shape.map((_, i) => i).slice(1);
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(g), axes), 1e-12));
  return tf.mean(tf.square(tf.sub(norms, 1))) as Scalar;
}
