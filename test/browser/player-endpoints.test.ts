// Where the page tells viewers to publish and play from, for the ways it is served.
import { endpoints } from '../../images/rtmp-server/player/src/endpoints';
import { readSettings, writeSettings } from '../../images/rtmp-server/player/src/settings';

const at = (href: string) => {
  const u = new URL(href);
  return { settings: readSettings(u.search), page: { protocol: u.protocol, hostname: u.hostname, port: u.port } };
};

test('served by the rtmp-server on 8080: every HTTP URL on the page origin, API on 1985', () => {
  const { settings, page } = at('http://media.example:8080/');
  expect(endpoints(settings, page)).toEqual({
    rtmp: 'rtmp://media.example/live/livestream',
    flv: 'http://media.example:8080/live/livestream.flv',
    hls: 'http://media.example:8080/live/livestream.m3u8',
    api: 'http://media.example:1985',
  });
});

test('served by nginx on 80: HLS from nginx, HTTP-FLV from the server on 8080', () => {
  const { settings, page } = at('http://media.example/?app=game&stream=room1&protocol=flv');
  expect(settings.protocol).toBe('flv');
  expect(endpoints(settings, page)).toEqual({
    rtmp: 'rtmp://media.example/game/room1',
    flv: 'http://media.example:8080/game/room1.flv',
    hls: 'http://media.example/game/room1.m3u8',
    api: 'http://media.example:1985',
  });
});

test('?server=, ?port=, ?api= and ?rtmp= override the defaults', () => {
  const { settings, page } = at('https://page.example/?server=edge.example&port=18080&api=http://api.example:9000/&rtmp=11935');
  expect(endpoints(settings, page)).toEqual({
    rtmp: 'rtmp://edge.example:11935/live/livestream',
    flv: 'https://edge.example:18080/live/livestream.flv',
    hls: 'https://edge.example:18080/live/livestream.m3u8',
    api: 'http://api.example:9000',
  });
  expect(endpoints(at('http://127.0.0.1:4000/?api=4001').settings, page).api).toBe('https://page.example:4001');
  expect(endpoints(at('http://x/?api=api.example:1985').settings, page).api).toBe('https://api.example:1985');
});

test('stream names are escaped in URLs; the query string round-trips', () => {
  const { settings, page } = at('http://h:8080/?app=live&stream=a%20b%2Fc&protocol=HLS');
  expect(endpoints(settings, page).hls).toBe('http://h:8080/live/a%20b%2Fc.m3u8');
  expect(readSettings(writeSettings(settings))).toEqual(settings);
  expect(readSettings('?protocol=rtsp').protocol).toBe('hls');
});
