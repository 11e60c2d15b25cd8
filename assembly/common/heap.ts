// Every module uses the stub runtime's bump heap as its arena. JS calls
// reset() at the start of each top-level call (one image, one batch, one set
// of pairs), then alloc() for its inputs; kernels allocate their outputs and
// scratch with heap.alloc as well. Nothing survives a reset: no kernel may
// keep a pointer in a global across calls, except keyed to the epoch (a
// pointer kept with the epoch it was made in is valid while the epoch is
// the same: until the next reset the bump heap hands out no block twice).

/** The largest block alloc asks the runtime for at once (the stub runtime refuses blocks over 1 GiB). */
const PIECE: usize = 1 << 29;
const MEM_LIMIT: u64 = <u64>1 << 32;

/**
 * Allocates `bytes` (16-byte aligned) and returns the pointer. A region over
 * PIECE bytes is taken as consecutive blocks of the bump heap, which lie
 * back to back (each block's 4-byte header sits just before its payload,
 * inside the region, and is never read again: nothing here is freed one by
 * one, only by reset), so one region may be as large as memory allows.
 * Out of memory traps (unreachable), as the runtime does for one block;
 * callers size their work first (e.g. swd_scratch_bytes).
 */
export function alloc(bytes: usize): usize {
  // the stub runtime does not check that offset + bytes stays below 4 GiB (it would wrap and hand out
  // memory already in use): an empty block shows where the heap ends
  if (<u64>heap.alloc(0) + <u64>bytes + 64 > MEM_LIMIT) unreachable();
  if (bytes <= PIECE) return heap.alloc(bytes);
  const p = heap.alloc(PIECE);
  let end = p + PIECE; // the region's end so far
  while (end - p < bytes) {
    const want = min(PIECE, bytes - (end - p));
    const q = heap.alloc(want);
    if (q < end || q - end > 32) unreachable(); // not contiguous: cannot happen with the bump heap
    end = q + want;
  }
  return p;
}

/** How many resets there have been (see the note at the top). */
export let epoch: u32 = 0;

/** Frees everything allocated since start. */
export function reset(): void {
  heap.reset();
  epoch++;
}

/** Current memory size in bytes (for the "no growth" tests). */
export function memoryBytes(): usize {
  return (<usize>memory.size()) << 16;
}
