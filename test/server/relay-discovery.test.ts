/**
 * Discovery: `host:port` entries → the live address set, through an injected resolver (the same code path the
 * server runs with DNS), the RESOLVE_FILE test seam, and the real DNS resolver on IP literals and localhost.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { AddressChange, AddressSet } from '../../images/rtmp-server/src/discovery/address-set';
import { dnsResolver, fileResolver, joinHostPort, Resolver, splitHostPort } from '../../images/rtmp-server/src/discovery/resolver';

const log = pino({ level: 'silent' });

test('host:port parsing, IPv6 brackets, bad entries', () => {
  expect(splitHostPort('rtmp-server-headless:1935')).toEqual({ host: 'rtmp-server-headless', port: 1935 });
  expect(splitHostPort('10.0.0.7:1985')).toEqual({ host: '10.0.0.7', port: 1985 });
  expect(splitHostPort('[::1]:1935')).toEqual({ host: '::1', port: 1935 });
  expect(splitHostPort('no-port')).toBeNull();
  expect(splitHostPort('host:0')).toBeNull();
  expect(splitHostPort('host:70000')).toBeNull();
  expect(joinHostPort('::1', 1935)).toBe('[::1]:1935');
  expect(joinHostPort('10.0.0.7', 1935)).toBe('10.0.0.7:1935');
});

test('an address set follows its resolver: adds, removes, keeps the last answer on a lookup error', async () => {
  let answer: string[] | Error = ['10.0.0.1:1935', '10.0.0.2:1935'];
  const asked: string[] = [];
  const resolve: Resolver = async (entry) => {
    asked.push(entry);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const set = new AddressSet({ entries: ['svc-headless:1935'], intervalSeconds: 3600, resolve, log, label: 'test' });
  const changes: AddressChange[] = [];
  set.onChange((c) => changes.push(c));
  await set.start();
  try {
    expect(asked).toEqual(['svc-headless:1935']);
    expect(set.addresses()).toEqual(['10.0.0.1:1935', '10.0.0.2:1935']);
    answer = ['10.0.0.3:1935', '10.0.0.2:1935', '10.0.0.1:1935'];
    await set.refresh();
    expect(changes[1]).toEqual({ added: ['10.0.0.3:1935'], removed: [] });
    answer = new Error('SERVFAIL');
    await set.refresh();
    expect(set.addresses()).toHaveLength(3);
    expect(changes).toHaveLength(2);
    answer = ['10.0.0.3:1935'];
    await set.refresh();
    expect(changes[2]).toEqual({ added: [], removed: ['10.0.0.1:1935', '10.0.0.2:1935'] });
    answer = [];
    await set.refresh();
    expect(set.addresses()).toEqual([]);
  } finally {
    set.stop();
  }
});

test('new entries from a reloaded config apply at once; a dropped entry takes its addresses with it', async () => {
  const answers: Record<string, string[]> = { 'a:1': ['10.0.0.1:1'], 'b:1': ['10.0.0.2:1', '10.0.0.3:1'] };
  const set = new AddressSet({ entries: ['a:1'], intervalSeconds: 3600, log, label: 'test', resolve: async (e) => answers[e] });
  await set.start();
  try {
    expect(set.addresses()).toEqual(['10.0.0.1:1']);
    await set.setEntries(['a:1', 'b:1'], 3600);
    expect(set.addresses()).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1']);
    await set.setEntries(['b:1'], 3600);
    expect(set.addresses()).toEqual(['10.0.0.2:1', '10.0.0.3:1']);
  } finally {
    set.stop();
  }
});

test('the address set re-resolves on its interval', async () => {
  let n = 0;
  const set = new AddressSet({
    entries: ['a:1'], intervalSeconds: 0.1, log, label: 'test', resolve: async () => [`10.0.0.${++n}:1`],
  });
  await set.start();
  try {
    const deadline = Date.now() + 5000;
    while (n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(n).toBeGreaterThanOrEqual(3);
    expect(set.addresses()).toHaveLength(1);
  } finally {
    set.stop();
  }
});

test('the resolve-file seam maps names (re-read each time) and leaves other entries to the next resolver', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'resolve-')), 'names.json');
  const next: Resolver = async (e) => [`dns(${e})`];
  const r = fileResolver(file, next);
  expect(await r('svc:1935')).toEqual(['dns(svc:1935)']); // no file yet
  fs.writeFileSync(file, JSON.stringify({ svc: ['127.0.0.1:4001', '127.0.0.1:4002'], 'api:1985': ['127.0.0.1:5001'] }));
  expect(await r('svc:1935')).toEqual(['127.0.0.1:4001', '127.0.0.1:4002']);
  expect(await r('api:1985')).toEqual(['127.0.0.1:5001']);
  expect(await r('other:1')).toEqual(['dns(other:1)']);
  fs.writeFileSync(file, JSON.stringify({ svc: ['127.0.0.1:4003', 'garbage'] }));
  expect(await r('svc:1935')).toEqual(['127.0.0.1:4003']);
});

test('the DNS resolver: an IP literal is itself, localhost resolves through the system resolver', async () => {
  expect(await dnsResolver('192.0.2.10:1935')).toEqual(['192.0.2.10:1935']);
  const local = await dnsResolver('localhost:1935');
  expect(local.length).toBeGreaterThan(0);
  for (const a of local) expect(a).toMatch(/^(127\.0\.0\.1|\[::1\]):1935$/);
  await expect(dnsResolver('no-such-host.invalid:1935')).rejects.toThrow();
});
