// Wires the page: the stream picker, the URL panel, the live list and the playback session.
import { endpoints } from './endpoints';
import { LiveList } from './live-list';
import { PlaybackSession } from './session';
import { PlayerSettings, Protocol, readSettings, writeSettings } from './settings';
import { StatusLine } from './status';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const form = $<HTMLFormElement>('picker');
const appInput = $<HTMLInputElement>('app');
const streamInput = $<HTMLInputElement>('stream');
const video = $<HTMLVideoElement>('video');
const status = new StatusLine($('status'), $('overlay'));
const liveList = new LiveList($('live'), $<HTMLUListElement>('live-list'), (app, stream) => {
  appInput.value = app;
  streamInput.value = stream;
  form.requestSubmit();
});
const session = new PlaybackSession(video, status, (app, stream) => liveList.isLive(app, stream));

let settings = readSettings(location.search);
let apiBase = '';

function showUrls(urls: ReturnType<typeof endpoints>): void {
  const set = (id: string, text: string) => { $(id).textContent = text; };
  set('url-rtmp', urls.rtmp);
  set('url-flv', urls.flv);
  set('url-hls', urls.hls);
  set('url-api', `${urls.api}/api/v1/streams`);
  set('cmd-publish', `ffmpeg -re -i input.mp4 -c:v libx264 -c:a aac -f flv ${urls.rtmp}`);
}

function apply(next: PlayerSettings): void {
  settings = next;
  history.replaceState(null, '', writeSettings(settings));
  const urls = endpoints(settings, location);
  showUrls(urls);
  if (urls.api !== apiBase) liveList.watch((apiBase = urls.api));
  liveList.select(settings.app, settings.stream);
  session.play({ ...settings, url: settings.protocol === 'flv' ? urls.flv : urls.hls });
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const protocol = (new FormData(form).get('protocol') as Protocol | null) ?? settings.protocol;
  apply({ ...settings, app: appInput.value.trim() || 'live', stream: streamInput.value.trim() || 'livestream', protocol });
});
$('stop').addEventListener('click', () => session.stop());

appInput.value = settings.app;
streamInput.value = settings.stream;
(form.elements.namedItem('protocol') as RadioNodeList).value = settings.protocol;
apply(settings);
