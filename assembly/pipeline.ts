// The image pipeline module: decoders, resize/normalize, batch assembly.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
export { resizeSquare } from './image/resize';
export { normalizeBatch } from './image/normalize';
export { assembleBatch } from './batch/assemble';
export { decodePng, pngUnfilterRow } from './decode/png';
export { inflateZlib, inflateRaw } from './decode/inflate';
export { crc32, adler32, adler32Scalar } from './decode/checksum';
export { jpegDecode, jpegWidth, jpegHeight, jpegOutPtr, jpegDetail, jpegDetailValue, jpegWarnScans, jpegIdctBlock, jpegTestRow } from './decode/jpeg';
