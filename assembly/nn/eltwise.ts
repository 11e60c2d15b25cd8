// Element-wise activation kernels over n f32 values (JS: src/kernels/eltwise.ts),
// f32x4 on every thread of the pool. Job record (4-byte slots; the work
// counter is slot 33, as for every job):
//   0 op   1 n   2 (unused)   3 mode   4 a   5 b   6 out   7 alpha (f32)
// Modes:
//   ELT_RELU       out = max(a, 0)                           (tfjs Relu)
//   ELT_LEAKY      out = a > 0 ? a : alpha * a               (tfjs LeakyRelu)
//   ELT_TANH       out = tanh(a)                             (tfjs Tanh; see tanh4)
//   ELT_ACT_GRAD   out = a > 0 ? b : alpha * b  (a = x, b = dy: LeakyRelu/Relu gradient,
//                  the f32 product as tfjs's mul(dy, alpha): bit for bit the stock result)
// Work item = ELT_BLOCK elements.

export const ELT_RELU: i32 = 0;
export const ELT_LEAKY: i32 = 1;
export const ELT_TANH: i32 = 2;
export const ELT_ACT_GRAD: i32 = 3;
export const ELT_MODES: i32 = 4;
export const ELT_BLOCK: i32 = 16384;

const NEXT: usize = 33 * 4;

@unmanaged export class EltJob {
  op: i32; n: i32; unused: i32; mode: i32; a: usize; b: usize; out: usize; alpha: f32;
}

@inline function grab(job: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(job + NEXT, 1);
  const v = load<i32>(job + NEXT);
  store<i32>(job + NEXT, v + 1);
  return v;
}

// tanh in f32x4, relative error < 1e-6 (test/kernels/eltwise.test.ts checks it against Math.tanh):
//   |x| < 0.5: the odd Taylor series to x^11 (the x^13 term is < 1e-6 of tanh there)
//   else:      1 - 2 / (e^(2|x|) + 1), e^t = 2^k * e^r with r in [-ln2/2, ln2/2] and a degree-6
//              polynomial; |x| clamped to 9 (tanh(9) rounds to 1 in f32), the sign put back.
@inline function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const x2 = f32x4.mul(x, x);
  // Taylor: x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 (Horner in x^2)
  let p = f32x4.splat(<f32>(-1382.0 / 155925.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(62.0 / 2835.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-17.0 / 315.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(2.0 / 15.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-1.0 / 3.0)));
  const small = f32x4.mul(x, f32x4.add(f32x4.splat(1.0), f32x4.mul(p, x2))); // x * (...): keeps -0
  // large branch
  const t = f32x4.add(f32x4.min(ax, f32x4.splat(9.0)), f32x4.min(ax, f32x4.splat(9.0))); // 2|x| in [0, 18]
  const kf = f32x4.nearest(f32x4.mul(t, f32x4.splat(1.4426950408889634)));
  const r = f32x4.sub(f32x4.sub(t, f32x4.mul(kf, f32x4.splat(0.693145751953125))), f32x4.mul(kf, f32x4.splat(1.4286067653e-6)));
  let e = f32x4.splat(<f32>(1.0 / 720.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(<f32>(1.0 / 120.0)));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(<f32>(1.0 / 24.0)));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(<f32>(1.0 / 6.0)));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(0.5));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0));
  e = f32x4.add(f32x4.mul(e, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(kf), i32x4.splat(127)), 23);
  e = f32x4.mul(e, scale);
  const mag = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const signed = v128.or(mag, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.5)));
}

@inline function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
}

export function eltwise(job: usize, j: EltJob): void {
  const n = j.n, mode = j.mode;
  const alpha = j.alpha, al = f32x4.splat(alpha), zero = f32x4.splat(0);
  for (let it = grab(job); it * ELT_BLOCK < n; it = grab(job)) {
    const e0 = it * ELT_BLOCK, e1 = min(n, e0 + ELT_BLOCK);
    let e = e0;
    const ap = j.a, bp = j.b, op = j.out;
    if (mode == ELT_RELU) {
      for (; e + 4 <= e1; e += 4) { const o = <usize>e << 2; v128.store(op + o, f32x4.max(v128.load(ap + o), zero)); }
      for (; e < e1; e++) { const o = <usize>e << 2; const x = load<f32>(ap + o); store<f32>(op + o, x > 0 ? x : <f32>0); }
    } else if (mode == ELT_LEAKY) {
      for (; e + 4 <= e1; e += 4) {
        const o = <usize>e << 2; const x = v128.load(ap + o);
        v128.store(op + o, v128.bitselect(x, f32x4.mul(x, al), f32x4.gt(x, zero)));
      }
      for (; e < e1; e++) { const o = <usize>e << 2; const x = load<f32>(ap + o); store<f32>(op + o, x > 0 ? x : alpha * x); }
    } else if (mode == ELT_TANH) {
      for (; e + 4 <= e1; e += 4) { const o = <usize>e << 2; v128.store(op + o, tanh4(v128.load(ap + o))); }
      for (; e < e1; e++) { const o = <usize>e << 2; store<f32>(op + o, tanh1(load<f32>(ap + o))); }
    } else {
      for (; e + 4 <= e1; e += 4) {
        const o = <usize>e << 2; const g = v128.load(bp + o);
        v128.store(op + o, v128.bitselect(g, f32x4.mul(g, al), f32x4.gt(v128.load(ap + o), zero)));
      }
      for (; e < e1; e++) { const o = <usize>e << 2; const g = load<f32>(bp + o); store<f32>(op + o, load<f32>(ap + o) > 0 ? g : g * alpha); }
    }
  }
}
