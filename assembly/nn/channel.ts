// Per-channel kernels over a [R, C] row-major matrix (NHWC activations seen as
// rows of C channels): the column reductions and the affine pass BatchNorm's
// training forward and backward are made of. Job record (4-byte slots; the
// work counter is slot 33, as for every job):
//   0 op   1 R   2 C   3 mode   4 a   5 b   6 out   7 p   8 q   9 r   10 acc   11 m   12 y   13 yAlpha (f32)
// Where y != 0 (COLSUM mode 2 and two-input AFFINE: BatchNorm's backward after an activation),
// b is read as the pre-activation gradient b' = y > 0 ? b : yAlpha * b (y the activation's output).
//   COLSUM  (work item = a block of rows; thread tid's f64 sums at acc + tid*24*C:
//            s1[C] f64, s2[C] f64, then 2*C f32 of its own scratch)
//     mode 0: s1 = sum a              mode 1: s1 = sum (a - p)^2
//     mode 2: s1 = sum b, s2 = sum b * (a - p)
//   AFFINE  out = p*(a - m) + r, plus q*b when b != 0 (p, q, r, m per channel); then, by mode:
//            0 as is, 1 relu: max(out, 0), 2 leaky relu: out > 0 ? out : alpha*out, alpha the f32 in slot 10
// Rows are summed in f32 within a block (<= 256 rows), blocks in f64.

const NEXT: usize = 33 * 4;

@unmanaged export class ChanJob {
  op: i32; R: i32; C: i32; mode: i32; a: usize; b: usize; out: usize; p: usize; q: usize; r: usize; acc: usize; m: usize;
  y: usize; yAlpha: f32;
}

/** b masked by the activation output y (see the header): y > 0 ? b : alpha * b. */
@inline function masked4(b: v128, y: v128, alpha: v128): v128 {
  return v128.bitselect(b, f32x4.mul(b, alpha), f32x4.gt(y, f32x4.splat(0)));
}

/** Bytes of COLSUM accumulators + scratch per thread. */
export function colsumBytesPerThread(C: i32): i32 { return C * 24; }

/** Rows per work item: ~64 KB of input, at most 256 rows. */
@inline export function chanRowsPerItem(C: i32): i32 { return max(1, min(256, 16384 / max(C, 1))); }

@inline function grab(job: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(job + NEXT, 1);
  const v = load<i32>(job + NEXT);
  store<i32>(job + NEXT, v + 1);
  return v;
}

export function colsum(job: usize, j: ChanJob, tid: i32): void {
  const R = j.R, C = j.C, mode = j.mode;
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const s1 = j.acc + <usize>tid * <usize>colsumBytesPerThread(C);
  const s2 = s1 + (<usize>C << 3);
  const t1 = s2 + (<usize>C << 3);
  const t2 = t1 + (<usize>C << 2);
  memory.fill(s1, 0, <usize>C << 4);
  const per = chanRowsPerItem(C);
  const mask = j.y != 0, ya = j.yAlpha, yav = f32x4.splat(ya);
  for (let it = grab(job); it * per < R; it = grab(job)) {
    const r0 = it * per, r1 = min(R, r0 + per);
    memory.fill(t1, 0, <usize>C << 3);
    let ap = j.a + <usize>r0 * rowB, bp = j.b + <usize>r0 * rowB, yp = j.y + <usize>r0 * rowB;
    for (let r = r0; r < r1; r++) {
      if (mode == 0) {
        for (let c = 0; c < C4; c += 4) {
          const o = <usize>c << 2;
          v128.store(t1 + o, f32x4.add(v128.load(t1 + o), v128.load(ap + o)));
        }
        for (let c = C4; c < C; c++) { const o = <usize>c << 2; store<f32>(t1 + o, load<f32>(t1 + o) + load<f32>(ap + o)); }
      } else if (mode == 1) {
        for (let c = 0; c < C4; c += 4) {
          const o = <usize>c << 2;
          const d = f32x4.sub(v128.load(ap + o), v128.load(j.p + o));
          v128.store(t1 + o, f32x4.add(v128.load(t1 + o), f32x4.mul(d, d)));
        }
        for (let c = C4; c < C; c++) { const o = <usize>c << 2; const d = load<f32>(ap + o) - load<f32>(j.p + o); store<f32>(t1 + o, load<f32>(t1 + o) + d * d); }
      } else {
        for (let c = 0; c < C4; c += 4) {
          const o = <usize>c << 2;
          let g = v128.load(bp + o);
          if (mask) g = masked4(g, v128.load(yp + o), yav);
          const d = f32x4.sub(v128.load(ap + o), v128.load(j.p + o));
          v128.store(t1 + o, f32x4.add(v128.load(t1 + o), g));
          v128.store(t2 + o, f32x4.add(v128.load(t2 + o), f32x4.mul(g, d)));
        }
        for (let c = C4; c < C; c++) {
          const o = <usize>c << 2;
          let g = load<f32>(bp + o);
          if (mask && !(load<f32>(yp + o) > 0)) g *= ya;
          const d = load<f32>(ap + o) - load<f32>(j.p + o);
          store<f32>(t1 + o, load<f32>(t1 + o) + g);
          store<f32>(t2 + o, load<f32>(t2 + o) + g * d);
        }
      }
      ap += rowB; bp += rowB; yp += rowB;
    }
    for (let c = 0; c < C; c++) {
      const o8 = <usize>c << 3, o4 = <usize>c << 2;
      store<f64>(s1 + o8, load<f64>(s1 + o8) + <f64>load<f32>(t1 + o4));
      if (mode == 2) store<f64>(s2 + o8, load<f64>(s2 + o8) + <f64>load<f32>(t2 + o4));
    }
  }
}

export const AFFINE_LINEAR: i32 = 0;
export const AFFINE_RELU: i32 = 1;
export const AFFINE_LEAKY: i32 = 2;

export function affine(job: usize, j: ChanJob): void {
  const R = j.R, C = j.C;
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const per = chanRowsPerItem(C);
  const two = j.b != 0;
  const mode = j.mode, alpha = load<f32>(job, 40), al = f32x4.splat(alpha), zero = f32x4.splat(0);
  const mask = two && j.y != 0, ya = j.yAlpha, yav = f32x4.splat(ya);
  for (let it = grab(job); it * per < R; it = grab(job)) {
    const r0 = it * per, r1 = min(R, r0 + per);
    let ap = j.a + <usize>r0 * rowB, bp = j.b + <usize>r0 * rowB, op = j.out + <usize>r0 * rowB, yp = j.y + <usize>r0 * rowB;
    for (let r = r0; r < r1; r++) {
      if (two) {
        for (let c = 0; c < C4; c += 4) {
          const o = <usize>c << 2;
          const d = f32x4.sub(v128.load(ap + o), v128.load(j.m + o));
          let g = v128.load(bp + o);
          if (mask) g = masked4(g, v128.load(yp + o), yav);
          const y = f32x4.add(f32x4.add(f32x4.mul(v128.load(j.p + o), d), f32x4.mul(v128.load(j.q + o), g)), v128.load(j.r + o));
          v128.store(op + o, y);
        }
        for (let c = C4; c < C; c++) {
          const o = <usize>c << 2;
          let g = load<f32>(bp + o);
          if (mask && !(load<f32>(yp + o) > 0)) g *= ya;
          store<f32>(op + o, load<f32>(j.p + o) * (load<f32>(ap + o) - load<f32>(j.m + o)) + load<f32>(j.q + o) * g + load<f32>(j.r + o));
        }
      } else {
        for (let c = 0; c < C4; c += 4) {
          const o = <usize>c << 2;
          v128.store(op + o, f32x4.add(f32x4.mul(v128.load(j.p + o), f32x4.sub(v128.load(ap + o), v128.load(j.m + o))), v128.load(j.r + o)));
        }
        for (let c = C4; c < C; c++) { const o = <usize>c << 2; store<f32>(op + o, load<f32>(j.p + o) * (load<f32>(ap + o) - load<f32>(j.m + o)) + load<f32>(j.r + o)); }
      }
      if (mode == AFFINE_RELU) {
        for (let c = 0; c < C4; c += 4) { const o = <usize>c << 2; v128.store(op + o, f32x4.max(v128.load(op + o), zero)); }
        for (let c = C4; c < C; c++) { const o = <usize>c << 2; const y = load<f32>(op + o); store<f32>(op + o, y > 0 ? y : <f32>0); }
      } else if (mode == AFFINE_LEAKY) {
        for (let c = 0; c < C4; c += 4) { const o = <usize>c << 2; const y = v128.load(op + o); v128.store(op + o, v128.bitselect(y, f32x4.mul(y, al), f32x4.gt(y, zero))); }
        for (let c = C4; c < C; c++) { const o = <usize>c << 2; const y = load<f32>(op + o); store<f32>(op + o, y > 0 ? y : alpha * y); }
      }
      ap += rowB; bp += rowB; op += rowB; yp += rowB;
    }
  }
}

// Optimizer updates over n = R elements (C = 1), f32 scalars at `m` (see src/kernels/optimizer.ts):
//   ADAM     a = x, b = g, p = m, q = v -> out = x', r = m', acc = v'
//            scalars: beta1 ob1 beta2 ob2 omab1 omab2 eps nlr clip
//   RMSPROP  a = x, b = g, p = ms, q = mom -> out = x', r = ms', acc = mom'
//            scalars: decay od momentum lr eps clip
// Each f32x4 op is the float32 op tfjs runs, in tfjs's order: the results equal the stock update bit for bit.
export const OPT_BLOCK: i32 = 16384;

export function adamUpdate(job: usize, j: ChanJob): void {
  const s = j.m;
  const beta1 = f32x4.splat(load<f32>(s)), ob1 = f32x4.splat(load<f32>(s, 4)), beta2 = f32x4.splat(load<f32>(s, 8)), ob2 = f32x4.splat(load<f32>(s, 12));
  const omab1 = f32x4.splat(load<f32>(s, 16)), omab2 = f32x4.splat(load<f32>(s, 20)), eps = f32x4.splat(load<f32>(s, 24)), nlr = f32x4.splat(load<f32>(s, 28));
  const clip = load<f32>(s, 32);
  const hi = f32x4.splat(clip), lo = f32x4.splat(-clip);
  const n = j.R;
  for (let it = grab(job); it * OPT_BLOCK < n; it = grab(job)) {
    const e0 = it * OPT_BLOCK, e1 = min(n, e0 + OPT_BLOCK);
    let e = e0;
    for (; e + 4 <= e1; e += 4) {
      const o = <usize>e << 2;
      const g = v128.load(j.b + o);
      const m1 = f32x4.add(f32x4.mul(v128.load(j.p + o), beta1), f32x4.mul(g, ob1));
      const v1 = f32x4.add(f32x4.mul(v128.load(j.q + o), beta2), f32x4.mul(f32x4.mul(g, g), ob2));
      const mh = f32x4.div(m1, omab1), vh = f32x4.div(v1, omab2);
      let y = f32x4.add(f32x4.mul(f32x4.div(mh, f32x4.add(f32x4.sqrt(vh), eps)), nlr), v128.load(j.a + o));
      if (clip > 0) y = f32x4.min(hi, f32x4.max(lo, y));
      v128.store(j.r + o, m1); v128.store(j.acc + o, v1); v128.store(j.out + o, y);
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      const g = load<f32>(j.b + o);
      const m1 = load<f32>(j.p + o) * load<f32>(s) + g * load<f32>(s, 4);
      const v1 = load<f32>(j.q + o) * load<f32>(s, 8) + (g * g) * load<f32>(s, 12);
      const mh = m1 / load<f32>(s, 16), vh = v1 / load<f32>(s, 20);
      let y = (mh / (sqrt<f32>(vh) + load<f32>(s, 24))) * load<f32>(s, 28) + load<f32>(j.a + o);
      if (clip > 0) y = min(clip, max(-clip, y));
      store<f32>(j.r + o, m1); store<f32>(j.acc + o, v1); store<f32>(j.out + o, y);
    }
  }
}

export function rmspropUpdate(job: usize, j: ChanJob): void {
  const s = j.m;
  const decay = f32x4.splat(load<f32>(s)), od = f32x4.splat(load<f32>(s, 4)), mom = f32x4.splat(load<f32>(s, 8)), lr = f32x4.splat(load<f32>(s, 12)), eps = f32x4.splat(load<f32>(s, 16));
  const clip = load<f32>(s, 20);
  const hi = f32x4.splat(clip), lo = f32x4.splat(-clip);
  const n = j.R;
  for (let it = grab(job); it * OPT_BLOCK < n; it = grab(job)) {
    const e0 = it * OPT_BLOCK, e1 = min(n, e0 + OPT_BLOCK);
    let e = e0;
    for (; e + 4 <= e1; e += 4) {
      const o = <usize>e << 2;
      const g = v128.load(j.b + o);
      const s1 = f32x4.add(f32x4.mul(v128.load(j.p + o), decay), f32x4.mul(f32x4.mul(g, g), od));
      const p1 = f32x4.add(f32x4.mul(v128.load(j.q + o), mom), f32x4.div(f32x4.mul(g, lr), f32x4.sqrt(f32x4.add(s1, eps))));
      let y = f32x4.sub(v128.load(j.a + o), p1);
      if (clip > 0) y = f32x4.min(hi, f32x4.max(lo, y));
      v128.store(j.r + o, s1); v128.store(j.acc + o, p1); v128.store(j.out + o, y);
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      const g = load<f32>(j.b + o);
      const s1 = load<f32>(j.p + o) * load<f32>(s) + (g * g) * load<f32>(s, 4);
      const p1 = load<f32>(j.q + o) * load<f32>(s, 8) + (g * load<f32>(s, 12)) / sqrt<f32>(s1 + load<f32>(s, 16));
      let y = load<f32>(j.a + o) - p1;
      if (clip > 0) y = min(clip, max(-clip, y));
      store<f32>(j.r + o, s1); store<f32>(j.acc + o, p1); store<f32>(j.out + o, y);
    }
  }
}
