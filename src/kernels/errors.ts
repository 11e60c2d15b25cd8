// The one error type every decoder throws.

export type ImageDecodeErrorCode = 'UNSUPPORTED' | 'CORRUPT' | 'TRUNCATED' | 'TOO_LARGE';

/**
 * A file could not be decoded. `code` says why in a machine-readable way,
 * `message` names the file (when known) and what was wrong.
 */
export class ImageDecodeError extends Error {
  readonly code: ImageDecodeErrorCode;
  readonly file?: string;
  constructor(code: ImageDecodeErrorCode, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'ImageDecodeError';
    this.code = code;
    this.file = file;
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA8, row-major, width * height * 4 bytes. */
  data: Uint8Array;
}

/** A decoded image left in the pipeline module's heap (RGBA8 at ptr), valid until its next reset. */
export interface WasmImage {
  width: number;
  height: number;
  ptr: number;
}

export interface DecodeOptions {
  /** Largest accepted width * height (default 64 megapixels). */
  maxPixels?: number;
  /** Used only to name the file in error messages. */
  file?: string;
}

export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;
