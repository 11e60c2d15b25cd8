// Procedural face-like images (u8 NHWC) for tests, benchmarks and the
// calibration experiment when no real faces are at hand: skin-toned ellipse
// on a random background, hair, two eyes, a mouth; every parameter random.
import { Rng } from '../util/rng';
import type { SampleSet } from './samples';

export function syntheticFaces(n: number, size = 64, seed = 1): SampleSet {
  const rng = new Rng(seed);
  const data = new Uint8Array(n * size * size * 3);
  const S = size;
  for (let k = 0; k < n; k++) {
    const bg = [rng.int(256), rng.int(256), rng.int(256)];
    const skin = [150 + rng.int(100), 100 + rng.int(90), 70 + rng.int(80)];
    const hair = [rng.int(120), rng.int(90), rng.int(60)];
    const cx = S * (0.4 + 0.2 * rng.next()), cy = S * (0.45 + 0.15 * rng.next());
    const rx = S * (0.22 + 0.1 * rng.next()), ry = S * (0.28 + 0.1 * rng.next());
    const hairLine = cy - ry * (0.3 + 0.5 * rng.next());
    const eyeDy = ry * (0.1 + 0.25 * rng.next()), eyeDx = rx * (0.3 + 0.25 * rng.next()), eyeR = S * (0.025 + 0.03 * rng.next());
    const mouthY = cy + ry * (0.35 + 0.25 * rng.next()), mouthW = rx * (0.3 + 0.4 * rng.next()), smile = (rng.next() - 0.3) * S * 0.08;
    const light = 0.7 + 0.5 * rng.next(), lx = rng.next() - 0.5;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let c = bg;
      const fx = (x - cx) / rx, fy = (y - cy) / ry;
      const inFace = fx * fx + fy * fy <= 1;
      if (fx * fx + ((y - cy + ry * 0.15) / (ry * 1.1)) ** 2 <= 1.15 && y < hairLine) c = hair;
      else if (inFace) {
        c = skin;
        for (const side of [-1, 1]) {
          const ex = cx + side * eyeDx, ey = cy - eyeDy;
          if ((x - ex) ** 2 + (y - ey) ** 2 <= eyeR * eyeR) c = [30, 30, 40];
        }
        const mx = (x - cx) / mouthW;
        if (Math.abs(mx) <= 1 && Math.abs(y - (mouthY + smile * (mx * mx - 0.5))) <= S * 0.02) c = [150, 40, 50];
      }
      const shade = inFace ? light * (1 + 0.3 * lx * fx) : 1;
      const o = ((k * S + y) * S + x) * 3;
      for (let ch = 0; ch < 3; ch++) data[o + ch] = Math.max(0, Math.min(255, Math.round(c[ch] * shade + (rng.next() - 0.5) * 12)));
    }
  }
  return { n, height: S, width: S, channels: 3, data };
}

/** A mode-collapsed set: n samples drawn from `modes` base images of `base`, each with Gaussian-ish pixel noise. */
export function collapsedFrom(base: SampleSet, n: number, modes: number, noise = 6, seed = 2): SampleSet {
  const rng = new Rng(seed);
  const sz = base.height * base.width * 3;
  const data = new Uint8Array(n * sz);
  for (let k = 0; k < n; k++) {
    const m = rng.int(Math.min(modes, base.n));
    for (let t = 0; t < sz; t++) {
      const v = (base.data instanceof Uint8Array ? base.data[m * sz + t] : base.data[m * sz + t] * 255) + (rng.next() + rng.next() - 1) * noise;
      data[k * sz + t] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { n, height: base.height, width: base.width, channels: 3, data };
}

/** Copies of the first `repeats` samples replace the last ones (a real set with a few images repeated `times` times). */
export function withRepeats(base: SampleSet, repeats: number, times: number): SampleSet {
  const sz = base.height * base.width * 3;
  const data = base.data.slice();
  let dst = base.n - 1;
  for (let r = 0; r < repeats; r++) for (let t = 0; t < times && dst > repeats; t++, dst--) data.set(base.data.subarray(r * sz, (r + 1) * sz), dst * sz);
  return { ...base, data };
}
