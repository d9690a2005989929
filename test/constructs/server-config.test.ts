import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../images/rtmp-server/src/config/load';
import { DEFAULT_SERVER_CONFIG, SERVER_CONFIG_SCHEMA } from '../../lib/server-config';
import { K8sObject, synthApps } from './support/synth';

/**
 * The contract between the two halves: lib/server-config.ts stays in step (interface defaults vs JSON Schema),
 * and every companion config the constructs render is accepted by the server's own loader (the one the image runs).
 */
describe('server config model', () => {
  test('DEFAULT_SERVER_CONFIG and SERVER_CONFIG_SCHEMA have the same sections and fields', () => {
    const schemaProps = SERVER_CONFIG_SCHEMA.properties as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemaProps).sort()).toEqual(Object.keys(DEFAULT_SERVER_CONFIG).sort());
    for (const [section, value] of Object.entries(DEFAULT_SERVER_CONFIG)) {
      if (typeof value !== 'object') continue;
      expect({ section, fields: Object.keys(schemaProps[section].properties ?? {}).sort() })
        .toEqual({ section, fields: Object.keys(value).sort() });
    }
  });
});

const apps = synthApps();
const companionConfigs: [string, string, string][] = Object.entries(apps).flatMap(([chart, objects]: [string, K8sObject[]]) =>
  objects
    .filter((o) => o.kind === 'ConfigMap' && o.data?.['rtmp-server.yaml'] !== undefined)
    .map((o) => [chart, o.metadata.name, o.data['rtmp-server.yaml']] as [string, string, string]));

describe('every rendered companion config loads in the server', () => {
  test('there are companion configs in every companion chart', () => {
    const charts = new Set(companionConfigs.map(([chart]) => chart));
    expect([...charts].sort()).toEqual(Object.keys(apps).filter((id) => !id.endsWith('-srs')).sort());
  });

  test.each(companionConfigs)('%s: ConfigMap %s', (_chart, name, yaml) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-load-'));
    try {
      const file = path.join(dir, 'rtmp-server.yaml');
      fs.writeFileSync(file, yaml);
      const loaded = loadConfig({ argv: ['--config', file], env: {} });
      const role = name.includes('-edge-') ? 'edge' : name.includes('-relay-') ? 'relay' : 'origin';
      expect(loaded.config.mode).toBe(role);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hls.sharedDir follows whether another container reads the HLS volume', () => {
  test('only the origin with an nginx sidecar replaces playlists atomically', () => {
    const withNginx = companionConfigs.filter(([chart]) => chart === 'origin-with-nginx');
    expect(withNginx.length).toBe(1);
    for (const [chart, , yaml] of companionConfigs) {
      const shared = /^ {2}sharedDir: (true|false)$/m.exec(yaml)?.[1];
      expect({ chart, shared }).toEqual({ chart, shared: chart === 'origin-with-nginx' ? 'true' : 'false' });
    }
  });
});
