// Sample grids: generator output (NHWC floats in [-1, 1]) tiled into one RGB
// image with a 2-pixel border, encoded as PNG (fast-png: pure JS, so the
// browser page writes the same bytes).
import { encode } from 'fast-png';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB8, row-major. */
  data: Uint8Array;
}

export function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  return b < 0 ? 0 : b > 255 ? 255 : b;
}

/** Tiles n images of size x size x 3 into rows x cols with `pad` pixels of `padValue`. */
export function tileGrid(images: Float32Array, n: number, size: number, cols = 8, pad = 2, padValue = 255): RgbImage {
  if (images.length !== n * size * size * 3) throw new Error(`tileGrid: ${images.length} values is not ${n} images of ${size}x${size}x3`);
  const rows = Math.ceil(n / cols);
  const width = cols * size + (cols + 1) * pad;
  const height = rows * size + (rows + 1) * pad;
  const data = new Uint8Array(width * height * 3).fill(padValue);
  for (let k = 0; k < n; k++) {
    const ox = pad + (k % cols) * (size + pad);
    const oy = pad + Math.floor(k / cols) * (size + pad);
    for (let y = 0; y < size; y++) {
      let src = (k * size + y) * size * 3;
      let dst = ((oy + y) * width + ox) * 3;
      for (let x = 0; x < size * 3; x++) data[dst++] = toByte(images[src++]);
    }
  }
  return { width, height, data };
}

export function encodePng(img: RgbImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}
