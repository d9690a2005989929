/**
 * The per-request helpers of HLS serving, against their reference behaviour: `ctxOf` scans the query by hand
 * (it runs on every segment request) and must agree with URLSearchParams on every query; `parseHlsPath` keeps
 * the keys of valid paths and must give the same answer from memory as from a parse, and never keep a bad path.
 */
import { ctxOf, HLS_CTX_PARAM } from '../../images/rtmp-server/src/hls/hls-ctx';
import { parseHlsPath } from '../../images/rtmp-server/src/hls/edge-serve';

const reference = (url: string): string | null => {
  const q = url.indexOf('?');
  if (q < 0) return null;
  const v = new URLSearchParams(url.slice(q + 1)).get(HLS_CTX_PARAM);
  return v !== null && /^[A-Za-z0-9_-]{1,64}$/.test(v) ? v : null;
};

describe('ctxOf', () => {
  const urls = [
    '/live/s-1.ts', '/live/s-1.ts?', '/live/s-1.ts?hls_ctx=abc', '/live/s-1.ts?x=1&hls_ctx=abc', '/live/s-1.ts?hls_ctx=abc&x=1',
    '/live/s-1.ts?hls_ctx=', '/live/s-1.ts?hls_ctx', '/live/s-1.ts?hls_ctx&hls_ctx=b', '/live/s-1.ts?hls_ctx=a&hls_ctx=b',
    '/live/s-1.ts?xhls_ctx=abc', '/live/s-1.ts?hls_ctxx=abc', '/live/s-1.ts?hls_ctx=a%62c', '/live/s-1.ts?hls%5Fctx=abc',
    '/live/s-1.ts?hls_ctx=a+b', '/live/s-1.ts?hls_ctx=../../etc', '/live/s-1.ts?hls_ctx=<script>', `/live/s-1.ts?hls_ctx=${'a'.repeat(64)}`,
    `/live/s-1.ts?hls_ctx=${'a'.repeat(65)}`, '/live/s-1.ts?&&hls_ctx=Z_-9', '/live/s-1.ts?a=b?hls_ctx=c', '/live/s-1.ts?hls_ctx=a=b',
  ];
  test.each(urls)('%s agrees with URLSearchParams', (url) => {
    expect(ctxOf(url)).toBe(reference(url));
  });
  test('the cases exercise both answers', () => {
    expect(urls.filter((u) => reference(u) !== null).length).toBeGreaterThan(5);
    expect(urls.filter((u) => reference(u) === null).length).toBeGreaterThan(5);
  });
});

describe('parseHlsPath', () => {
  test('a valid path gives the same key from memory as from the first parse', () => {
    const first = parseHlsPath('/live/cam%5F1-42.ts');
    expect(first).toEqual({ app: 'live', stream: 'cam_1', playlist: false, path: '/live/cam_1-42.ts' });
    expect(parseHlsPath('/live/cam%5F1-42.ts')).toEqual(first);
    expect(parseHlsPath('/live/cam.m3u8')).toEqual({ app: 'live', stream: 'cam', playlist: true, path: '/live/cam.m3u8' });
  });
  test.each(['/live/../x.m3u8', '/%2e%2e/x.m3u8', '/live/a%2Fb.m3u8', '/live/%ZZ.m3u8', `/live/${'a'.repeat(300)}.m3u8`, '/a/b/c.m3u8', '/live/x-1a.ts'])(
    '%s is refused, every time', (p) => {
      expect(parseHlsPath(p)).toBeNull();
      expect(parseHlsPath(p)).toBeNull();
    });
  test('thousands of distinct valid paths keep answering correctly past the memory bound', () => {
    for (let i = 0; i < 10_000; i++) {
      expect(parseHlsPath(`/live/s${i}-${i}.ts`)?.path).toBe(`/live/s${i}-${i}.ts`);
    }
    expect(parseHlsPath('/live/s1-1.ts')?.stream).toBe('s1');
  });
});
