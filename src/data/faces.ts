// The embedded default dataset: anime-style avatar faces drawn by DiceBear
// (styles "adventurer", Lisa Wischofsky, CC BY 4.0, and "lorelei", Lisa
// Wischofsky, CC0 1.0), rasterised at 96x96 like the original anime-face set.
// Platform-free: Node rasterises the SVG with sharp (src/platform/faces.ts), the page
// with a canvas. Every face is a pure function of (index, seed).
import { createAvatar } from '@dicebear/core';
import { adventurer, lorelei } from '@dicebear/collection';
import { Rng } from '../util/rng';

export const FACE_SIZE = 96;
/** Bumped whenever the drawing changes, so caches of an older look are not reused. */
export const FACES_VERSION = 1;

// Pastel backgrounds, as on the illustrations the anime-face set was cut from.
const BACKGROUNDS = ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf', 'f4d8c6', 'e0f0d0', 'fff5c0', 'dbe9ff', 'f0e0ff', 'cfeee8', 'fbe3e8'];
// lorelei draws black hair on white skin by default; anime hair comes in every colour.
const LORELEI_HAIR = ['0e0e0e', '3b2a20', '6a4e35', 'a0522d', 'c8553d', 'e8b04a', 'f2e2a0', 'd8d8e0', 'f29bbf', '9a7fd1', '5b8fd6', '62b6a8', '6bbf59', 'c0392b'];
const LORELEI_SKIN = ['ffffff', 'fdeee4', 'f9e0cf', 'f2d3b1', 'ecc19c'];

export interface FaceParams {
  style: 'adventurer' | 'lorelei';
  seed: string;
  background: string;
  flip: boolean;
}

/** The drawing parameters of face `index` of the set made with `seed`. */
export function faceParams(index: number, seed: number): FaceParams {
  const rng = new Rng((Math.imul(index + 1, 0x9e3779b1) ^ seed) >>> 0);
  rng.nextU32();
  return {
    style: rng.next() < 0.5 ? 'adventurer' : 'lorelei',
    seed: `ganforge-${seed}-${index}`,
    background: BACKGROUNDS[rng.int(BACKGROUNDS.length)],
    flip: rng.next() < 0.5,
  };
}

/** SVG source of face `index` (FACE_SIZE x FACE_SIZE). */
export function faceSvg(index: number, seed = 1): string {
  const p = faceParams(index, seed);
  const common = {
    seed: p.seed,
    size: FACE_SIZE,
    backgroundColor: [p.background],
    backgroundType: ['solid' as const],
    flip: p.flip,
    // Zoom in a little so the face, not the shoulders, fills the frame.
    scale: 115,
  };
  if (p.style === 'adventurer') return createAvatar(adventurer, common).toString();
  return createAvatar(lorelei, { ...common, hairColor: LORELEI_HAIR, skinColor: LORELEI_SKIN, beardProbability: 0 }).toString();
}
