// Which nn build a pool gets: 'auto' follows the engine's feature test, an
// explicit build is honoured or refused with the reason.
import { describe, it, expect } from 'vitest';
import { createNnPool, relaxedSimdAvailable } from '../../src/nn/pool';

describe('nn build selection', () => {
  it('auto picks relaxed exactly when the engine validates it; plain stays available', async () => {
    const before = relaxedSimdAvailable();
    const a = await createNnPool(1, undefined, { simd: 'auto' });
    expect(a.simd).toBe(before ? 'relaxed' : 'plain');
    a.dispose();
    if (!before) await expect(createNnPool(1, undefined, { simd: 'relaxed' })).rejects.toThrow(/relaxed-SIMD build .* does not accept it/);
    // Node 20: the V8 flag set at run time turns it on (imported here: importing the Node platform sets it)
    const { enableRelaxedSimd } = await import('../../src/platform/node');
    expect(await enableRelaxedSimd()).toBe(true);
    const b = await createNnPool(1, undefined, { simd: 'auto' });
    expect(b.simd).toBe('relaxed');
    expect(b.relaxed).toBe(true);
    b.dispose();
    const c = await createNnPool(1, undefined, { simd: 'plain' });
    expect(c.simd).toBe('plain');
    c.dispose();
  });
});
