// Error codes returned by the metrics kernels (assembly/metrics/*), as exceptions.
export function checkCode(kernel: string, code: number): void {
  if (code === 0) return;
  const why = code === -1 ? 'bad dimensions' : code === -2 ? 'buffer outside wasm memory' : code === -3 ? 'pair index out of range' : code === -4 ? 'eigen-solver did not converge' : `error ${code}`;
  throw new Error(`${kernel}: ${why}`);
}
