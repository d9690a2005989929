// Segments served from memory on the origin: read once however many ask at once, the same bytes as the file,
// and read again when the file changes (same name, new size or mtime: a stream published again).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SegmentMemory } from '../../images/rtmp-server/src/hls/segment-memory';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-memory-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('concurrent requests share one read; a changed file is read again; the byte bound holds', async () => {
  const file = path.join(dir, 'a-1.ts');
  fs.writeFileSync(file, Buffer.alloc(188 * 100, 0x47));
  const mem = new SegmentMemory(188 * 150);
  let reads = 0;
  const load = () => { reads++; return fs.promises.readFile(file); };
  const st = fs.statSync(file);
  const bodies = await Promise.all(Array.from({ length: 20 }, () => mem.get(file, st.size, st.mtimeMs, load)));
  expect(reads).toBe(1);
  expect(bodies.every((b) => b === bodies[0])).toBe(true); // the same Buffer, not copies
  expect(bodies[0].equals(fs.readFileSync(file))).toBe(true);
  await mem.get(file, st.size, st.mtimeMs, load);
  expect(reads).toBe(1);

  fs.writeFileSync(file, Buffer.alloc(188 * 50, 0x47));
  const st2 = fs.statSync(file);
  expect((await mem.get(file, st2.size, st2.mtimeMs, load)).length).toBe(188 * 50);
  expect(reads).toBe(2);

  // A second file that does not fit beside the first evicts it.
  const other = path.join(dir, 'b-1.ts');
  fs.writeFileSync(other, Buffer.alloc(188 * 120, 0x47));
  const st3 = fs.statSync(other);
  await mem.get(other, st3.size, st3.mtimeMs, () => { reads++; return fs.promises.readFile(other); });
  await mem.get(file, st2.size, st2.mtimeMs, load);
  expect(reads).toBe(4);
});
