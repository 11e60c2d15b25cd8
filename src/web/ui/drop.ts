// Files from a drop: plain files, or whole folders walked recursively
// (webkitGetAsEntry), each File tagged with its path inside the drop.
export interface DroppedFile extends File {
  readonly webkitRelativePath: string;
}

function entryFile(e: FileSystemFileEntry, path: string): Promise<File> {
  return new Promise((res, rej) => e.file((f) => {
    Object.defineProperty(f, 'webkitRelativePath', { value: path, configurable: true });
    res(f);
  }, rej));
}

async function walk(entry: FileSystemEntry, path: string, out: File[]): Promise<void> {
  if (entry.isFile) {
    out.push(await entryFile(entry as FileSystemFileEntry, path));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call: read until empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (!batch.length) break;
    for (const e of batch) await walk(e, `${path}/${e.name}`, out);
  }
}

export async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = Array.from(dt.items ?? []).map((it) => it.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (!entries.length) return Array.from(dt.files);
  const out: File[] = [];
  for (const e of entries) await walk(e, e.name, out);
  return out;
}

/** Makes `el` a drop zone (highlighted while dragging over it). */
export function dropZone(el: HTMLElement, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('over');
    if (e.dataTransfer) void filesFromDrop(e.dataTransfer).then(onFiles);
  });
}
