// Web Worker entry (bundled to dist/web/worker.js): decodes one file per
// message into a size x size RGB8 row for loadImageFiles
// (src/data/files_browser.ts). In: DecodeRequest (bytes transferred).
// Out: DecodeReply (row buffer transferred).
import { decodeRequest, type DecodeRequest } from '../data/files_browser';

self.onmessage = (ev: MessageEvent<DecodeRequest>) => {
  const reply = decodeRequest(ev.data);
  (self as unknown as Worker).postMessage(reply, reply.ok ? [reply.data.buffer as ArrayBuffer] : []);
};
