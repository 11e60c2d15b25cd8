// The built-in face dataset, made in the page with the generator the CLI's
// make-faces uses (faceSvg in src/data/faces.ts): each SVG is rasterised by
// the browser (an <img> drawn on a 96x96 canvas), and the RGBA pixels go
// through our resize pipeline (datasetFromImages), as decoded files do.
import { FACE_SIZE, faceSvg } from '../data/faces';
import { datasetFromImages, type ImageDataset } from '../data/dataset';
import { initPipelineWasm } from '../wasm/pipeline';

/** The rasterised size, as the files make-faces writes. */
export const FACE_PX = FACE_SIZE;
/** make-faces' default seed: the same faces as the CLI's default dataset. */
export const FACE_SEED = 1;
const PARALLEL = 16;

function loadSvg(svg: string): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  const img = new Image(FACE_PX, FACE_PX);
  return new Promise<HTMLImageElement>((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the browser could not rasterise a face SVG'));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

/** n faces as size x size RGB8 rows; onProgress(done, n) as they are drawn. */
export async function makeFaceDataset(n: number, size: number, onProgress?: (done: number, total: number) => void, seed = FACE_SEED): Promise<ImageDataset> {
  await initPipelineWasm();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = FACE_PX;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const images: { width: number; height: number; data: Uint8Array }[] = [];
  for (let i = 0; i < n; i += PARALLEL) {
    const m = Math.min(PARALLEL, n - i);
    const imgs = await Promise.all(Array.from({ length: m }, (_, k) => loadSvg(faceSvg(i + k, seed))));
    for (const img of imgs) {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, FACE_PX, FACE_PX);
      ctx.drawImage(img, 0, 0, FACE_PX, FACE_PX);
      const px = ctx.getImageData(0, 0, FACE_PX, FACE_PX).data;
      images.push({ width: FACE_PX, height: FACE_PX, data: new Uint8Array(px.buffer.slice(0)) });
    }
    onProgress?.(i + m, n);
  }
  const ds = datasetFromImages(images, size);
  ds.files = ds.files.map((_, i) => `face-${String(i).padStart(6, '0')}`);
  return ds;
}
