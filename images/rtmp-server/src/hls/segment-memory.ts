/**
 * Segment files served from memory: a segment is read once (concurrent requests share the read) and every player
 * is sent the same Buffer, instead of one file stream per player. An entry is reused only while the file keeps
 * its size and modification time; the least recently used go first past `maxBytes`.
 */
interface Entry { readonly size: number; readonly mtimeMs: number; readonly body: Buffer }

export class SegmentMemory {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Buffer>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The bytes in memory for this version of the file, or undefined (no read started). */
  peek(file: string, size: number, mtimeMs: number): Buffer | undefined {
    const hit = this.entries.get(file);
    return hit && hit.size === size && hit.mtimeMs === mtimeMs ? hit.body : undefined;
  }

  /** The file's bytes: from memory if `size` and `mtimeMs` still match, else from `load()` (shared by concurrent callers). */
  get(file: string, size: number, mtimeMs: number, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(file);
    if (hit && hit.size === size && hit.mtimeMs === mtimeMs) {
      this.entries.delete(file);
      this.entries.set(file, hit);
      return Promise.resolve(hit.body);
    }
    const key = `${file}\n${size}\n${mtimeMs}`;
    let p = this.loading.get(key);
    if (!p) {
      p = load().then((body) => {
        if (body.length === size) this.put(file, { size, mtimeMs, body });
        return body;
      }).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  private put(file: string, e: Entry): void {
    if (e.body.length > this.maxBytes) return;
    const old = this.entries.get(file);
    if (old) { this.entries.delete(file); this.bytes -= old.body.length; }
    this.entries.set(file, e);
    this.bytes += e.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.length;
    }
  }
}
