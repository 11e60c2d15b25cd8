// Scalar float32 references of tfjs's Adam and (non-centered) RMSprop steps:
// each op on f32 values in f64, rounded once (= the f32 op), in tfjs's order.
const f = Math.fround;

export function adamRef(s: { beta1: number; ob1: number; beta2: number; ob2: number; omab1: number; omab2: number; eps: number; nlr: number; clip: number },
  x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array) {
  const n = x.length, ox = new Float32Array(n), om = new Float32Array(n), ov = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const m1 = f(f(m[j] * s.beta1) + f(g[j] * s.ob1));
    const v1 = f(f(v[j] * s.beta2) + f(f(g[j] * g[j]) * s.ob2));
    const mh = f(m1 / s.omab1), vh = f(v1 / s.omab2);
    let y = f(f(f(mh / f(f(Math.sqrt(vh)) + s.eps)) * s.nlr) + x[j]);
    if (s.clip > 0) y = Math.min(s.clip, Math.max(-s.clip, y));
    ox[j] = y; om[j] = m1; ov[j] = v1;
  }
  return [ox, om, ov];
}

export function rmspropRef(s: { decay: number; od: number; momentum: number; lr: number; eps: number; clip: number },
  x: Float32Array, g: Float32Array, ms: Float32Array, mom: Float32Array) {
  const n = x.length, ox = new Float32Array(n), oms = new Float32Array(n), omom = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const s1 = f(f(ms[j] * s.decay) + f(f(g[j] * g[j]) * s.od));
    const p1 = f(f(mom[j] * s.momentum) + f(f(g[j] * s.lr) / f(Math.sqrt(f(s1 + s.eps)))));
    let y = f(x[j] - p1);
    if (s.clip > 0) y = Math.min(s.clip, Math.max(-s.clip, y));
    ox[j] = y; oms[j] = s1; omom[j] = p1;
  }
  return [ox, oms, omom];
}
