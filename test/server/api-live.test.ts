// API and /metrics values against real sessions: one ffmpeg publisher, RTMP and HTTP-FLV ffmpeg players.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish, Publisher } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, metric, play, Player, until } from './api-players';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../images/rtmp-server/package.json'), 'utf8'));

describe('API against real sessions', () => {
  let server: RunningServer;
  let pub: Publisher;
  const players: Player[] = [];

  beforeAll(async () => {
    server = await startServer({ configYaml: 'api:\n  allowKick: true\n' });
    pub = publish(server.rtmpUrl('live', 'livestream'), 60);
  });
  afterAll(async () => {
    for (const p of players) await p.stop();
    await pub?.stop();
    await server?.stop('SIGKILL');
  });

  const streams = () => getJson(server.apiUrl('/api/v1/streams')).then((b) => b.streams as any[]);

  test('versions reports the package version', async () => {
    expect((await getJson(server.apiUrl('/api/v1/versions'))).data.version).toBe(pkg.version);
  });

  test('1 publisher + 3 players: streams, clients, summaries and metrics agree with the sessions', async () => {
    await until(async () => (await streams()).find((s) => s.publish.active && s.video));
    players.push(
      play(server.rtmpUrl('live', 'livestream')),
      play(server.rtmpUrl('live', 'livestream')),
      play(server.httpUrl('/live/livestream.flv')),
    );
    await until(() => players.every((p) => p.frames() > 0));
    const s = await until(async () => (await streams()).find((x) => x.players === 3));
    expect(s).toMatchObject({
      name: 'livestream', app: 'live', url: '/live/livestream', clients: 4, publish: { active: true },
      video: { codec: 'H264', width: 640, height: 360 }, audio: { codec: 'AAC', sample_rate: 44100, channel: 2 },
    });
    expect(s.frames).toBeGreaterThan(0);
    expect(s.recv_bytes).toBeGreaterThan(0);
    expect(s.send_bytes).toBeGreaterThan(0);
    expect((await getJson(server.apiUrl(`/api/v1/streams/${encodeURIComponent(s.id)}`))).stream.id).toBe(s.id);

    const clients = (await getJson(server.apiUrl('/api/v1/clients'))).clients as any[];
    expect(clients.map((c) => c.type).sort()).toEqual(['flv-play', 'fmle-publish', 'rtmp-play', 'rtmp-play']);
    expect(clients.every((c) => c.stream === s.id && c.name === 'livestream')).toBe(true);
    expect(clients.find((c) => c.publish).id).toBe(s.publish.cid);

    const sum = (await getJson(server.apiUrl('/api/v1/summaries'))).data;
    expect(sum.system.conn_srs).toBe(4);
    expect(sum.system.srs_recv_bytes).toBeGreaterThan(0);
    expect(sum.system.srs_send_bytes).toBeGreaterThan(0);

    const m = await (await fetch(server.apiUrl('/metrics'))).text();
    expect(metric(m, 'rtmp_server_streams')).toBe(1);
    expect(metric(m, 'rtmp_server_players{protocol="rtmp"}')).toBe(2);
    expect(metric(m, 'rtmp_server_players{protocol="flv"}')).toBe(1);
    expect(metric(m, 'rtmp_server_players{protocol="hls"}')).toBe(0);
    expect(metric(m, 'rtmp_server_publishers')).toBe(1);
    expect(metric(m, 'rtmp_server_clients{kind="rtmp-play"}')).toBe(2);
    expect(metric(m, 'rtmp_server_clients{kind="flv-play"}')).toBe(1);
    expect(metric(m, 'rtmp_server_received_bytes_total')).toBeGreaterThan(0);
    expect(metric(m, 'rtmp_server_sent_bytes_total')).toBeGreaterThan(0);
    expect(metric(m, 'rtmp_server_connections_accepted_total')).toBeGreaterThanOrEqual(4);
    expect(metric(m, `rtmp_server_info{version="${pkg.version}",mode="origin"}`)).toBe(1);
  });

  test('DELETE /api/v1/clients/{id} kicks the HTTP-FLV player; the counts follow', async () => {
    const clients = (await getJson(server.apiUrl('/api/v1/clients'))).clients as any[];
    const flv = clients.find((c) => c.type === 'flv-play');
    const r = await getJson(server.apiUrl(`/api/v1/clients/${flv.id}`), { method: 'DELETE' });
    expect(r.code).toBe(0);
    await players[2].exited; // ffmpeg sees the connection end
    const s = await until(async () => (await streams()).find((x) => x.players === 2));
    expect(s.clients).toBe(3);
    expect((await fetch(server.apiUrl(`/api/v1/clients/${flv.id}`))).status).toBe(404);
    const m = await (await fetch(server.apiUrl('/metrics'))).text();
    expect(metric(m, 'rtmp_server_players{protocol="rtmp"}') + metric(m, 'rtmp_server_players{protocol="flv"}')).toBe(2);
    // The other players were not disturbed.
    const before = players[0].frames();
    await until(() => players[0].frames() > before + 10);
  });
});
