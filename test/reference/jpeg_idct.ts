// Scalar references for the JPEG IDCT (assembly/decode/jpeg/idct.ts).
//
//   coef  [8, 8] raw quantised coefficients, natural (row-major) order
//   q     [8, 8] quantisation table, natural order
//   out   [8, 8] u8 samples (+128, clamped)

/** The exact inverse DCT in float64, rounded to nearest. */
export function idctFloat64(coef: ArrayLike<number>, q: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(64);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let v = 0; v < 8; v++)
        for (let u = 0; u < 8; u++) {
          const cu = u === 0 ? Math.SQRT1_2 : 1, cv = v === 0 ? Math.SQRT1_2 : 1;
          s += cu * cv * coef[v * 8 + u] * q[v * 8 + u] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      out[y * 8 + x] = Math.max(0, Math.min(255, Math.round(s / 4 + 128)));
    }
  return out;
}

/**
 * libjpeg's "islow" algorithm (jidctint.c) written out per scalar, column
 * pass then row pass, from the published constants (13 fraction bits,
 * 2 extra bits between passes).
 */
export function idctIslow(coef: ArrayLike<number>, q: ArrayLike<number>): Uint8Array {
  const ws = new Int32Array(64);
  const out = new Uint8Array(64);
  const one = (i: number[], round: number, shift: number): number[] => {
    let z1 = (i[2] + i[6]) * 4433;
    const tmp2 = z1 + i[6] * -15137, tmp3 = z1 + i[2] * 6270;
    const tmp0 = (i[0] + i[4]) * 8192, tmp1 = (i[0] - i[4]) * 8192;
    const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    let t0 = i[7], t1 = i[5], t2 = i[3], t3 = i[1];
    z1 = t0 + t3;
    let z2 = t1 + t2, z3 = t0 + t2, z4 = t1 + t3;
    const z5 = (z3 + z4) * 9633;
    t0 *= 2446; t1 *= 16819; t2 *= 25172; t3 *= 12299;
    z1 *= -7373; z2 *= -20995; z3 *= -16069; z4 *= -3196;
    z3 += z5; z4 += z5;
    t0 += z1 + z3; t1 += z2 + z4; t2 += z2 + z3; t3 += z1 + z4;
    const d = (x: number) => Math.floor((x + round) / 2 ** shift);
    return [d(tmp10 + t3), d(tmp11 + t2), d(tmp12 + t1), d(tmp13 + t0), d(tmp13 - t0), d(tmp12 - t1), d(tmp11 - t2), d(tmp10 - t3)];
  };
  for (let u = 0; u < 8; u++) {
    const col = [0, 1, 2, 3, 4, 5, 6, 7].map((v) => coef[v * 8 + u] * q[v * 8 + u]);
    const r = one(col, 1 << 10, 11);
    for (let y = 0; y < 8; y++) ws[y * 8 + u] = r[y];
  }
  for (let y = 0; y < 8; y++) {
    const r = one(Array.from(ws.subarray(y * 8, y * 8 + 8)), 1 << 17, 18);
    for (let x = 0; x < 8; x++) out[y * 8 + x] = Math.max(0, Math.min(255, r[x] + 128));
  }
  return out;
}
