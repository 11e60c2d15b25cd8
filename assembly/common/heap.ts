// Every module uses the stub runtime's bump heap as its arena. JS calls
// reset() at the start of each top-level call (one image, one batch, one set
// of pairs), then alloc() for its inputs; kernels allocate their outputs and
// scratch with heap.alloc as well. Nothing survives a reset: no kernel may
// keep a pointer in a global across calls.

/** Allocates `bytes` (16-byte aligned) and returns the pointer. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Frees everything allocated since start. */
export function reset(): void {
  heap.reset();
}

/** Current memory size in bytes (for the "no growth" tests). */
export function memoryBytes(): usize {
  return (<usize>memory.size()) << 16;
}
