// Web Worker spawner for the nn pool (a cross-origin-isolated page): the
// worker is a Blob URL running the shared loop; no separate bundle entry.
import type { WorkerSpawner, WorkerData } from './pool';

export function webSpawner(): WorkerSpawner | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined') return undefined;
  return {
    spawn(source: string, data: WorkerData) {
      const code = `${source}\nself.onmessage = function (e) { self.onmessage = null; __nnStart(e.data, function () { self.postMessage('ready'); }); };`;
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const w = new Worker(url);
      return new Promise((resolve, reject) => {
        w.onmessage = () => { URL.revokeObjectURL(url); resolve({ terminate: () => w.terminate() }); };
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage(data);
      });
    },
  };
}
