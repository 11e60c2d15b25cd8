// Packages without type declarations (none published for these versions):
// only what this project uses.
declare module 'cli-progress' {
  export class SingleBar {
    constructor(opts: Record<string, unknown>, preset?: unknown);
    start(total: number, value: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }
  export const Presets: Record<string, unknown>;
  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default cliProgress;
}
declare module 'pngjs';
