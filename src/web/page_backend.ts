// The page's tfjs backend: started when a run needs it (again after a lost
// WebGL context: a new context on a fresh canvas), the WebGL probe made at
// opening, and the line that says what runs where.
import { tf } from '../tf';
import { initBackend, forgetLostGl, type BackendInfo, type GlContext } from '../backend/select';
import { createBrowserGl, isCrossOriginIsolated } from '../platform/browser';
import type { Platform } from '../platform/platform';
import type { TrainConfig } from '../train/config';
import type { GlLoss } from './gl_loss';

export class PageBackend {
  /** The backend tfjs trains on (null: none started yet). */
  info: BackendInfo | null = null;
  /** Highest WebGL version to use: 2 unless the page URL says ?webgl=1. */
  webglVersion: 1 | 2 = 2;
  private gl: GlContext | null = null; // the context tfjs trains on (a fresh canvas each time one is made)
  private lastRequest = '';
  private probed = '';

  /**
   * `onLost`: the training context was lost (its handler pauses the run).
   * `log` gets the backend's choices; `shown` the new backend line.
   */
  constructor(
    private readonly platform: Platform,
    private readonly glLoss: GlLoss,
    private readonly onLost: () => void,
    private readonly log: (msg: string) => void,
    private readonly shown: (line: string) => void,
  ) {}

  /** Starts backend `name` (or keeps the one running when it is the one asked for). */
  async ensure(name: TrainConfig['backend']): Promise<BackendInfo> {
    if ((name === 'webgl' || name === 'auto') && this.glLoss.takeLost()) {
      // the lost context is dropped; initBackend below makes a new one on a fresh canvas (or says why it cannot)
      forgetLostGl(this.gl);
      this.gl = null;
      this.info = null;
      this.log('WebGL: making a new context after the loss');
    }
    if (this.info && this.lastRequest === name && tf.getBackend() === this.info.name) return this.info;
    const hooks = { ...this.platform, createGl: async () => (this.gl = await this.platform.createGl({ onLost: this.onLost, version: this.webglVersion })) };
    this.info = await initBackend(name, hooks, this.log);
    this.lastRequest = name;
    this.shown(this.label());
    return this.info;
  }

  /** Simulates a GPU reset (WEBGL_lose_context) on the training context; false when not training on WebGL. */
  loseContext(): boolean {
    const ext = this.info?.name === 'webgl' ? this.gl?.gl.getExtension('WEBGL_lose_context') : null;
    ext?.loseContext();
    return !!ext;
  }

  /**
   * Probes WebGL once, to say up front what auto will pick: the line to show,
   * and the reason when there is no WebGL.
   */
  probe(): { line: string; noWebgl: string | null } {
    try {
      const ctx = createBrowserGl({ version: this.webglVersion });
      this.probed = `WebGL ${ctx.version} renderer: ${ctx.renderer}`;
      ctx.dispose();
      return { line: `${this.probed}${ctx.software ? ' (software: auto picks wasm)' : ' (auto picks webgl)'}`, noWebgl: null };
    } catch (e) {
      return { line: `no WebGL (${(e as Error).message}): training uses wasm`, noWebgl: (e as Error).message };
    }
  }

  /** The environment line before any backend started: the probe and the threads. */
  envLine(probe: string): string {
    return `${probe} · ${isCrossOriginIsolated() ? `cross-origin isolated: ${this.platform.threads} threads` : 'not cross-origin isolated: 1 thread'}`;
  }

  /** The environment line once a backend runs (wasm: its threads and which SIMD build of our kernels runs). */
  label(): string {
    const backend = this.info;
    if (!backend) return '';
    const iso = isCrossOriginIsolated() ? 'cross-origin isolated' : 'not isolated: 1 thread';
    const why = backend.reason.startsWith('auto') ? ` (${backend.reason})` : '';
    const renderer = backend.renderer ? ` · WebGL ${backend.webglVersion} · ${backend.renderer}` : this.probed && !why.includes('renderer') ? ` · ${this.probed}` : '';
    const simd = backend.simd ? ` · ${backend.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul+add'}` : '';
    return `backend ${backend.name}${why}${backend.threads ? ` · ${backend.threads} thread${backend.threads > 1 ? 's' : ''}` : ''}${simd}${renderer} · ${iso}`;
  }
}
