// HLS: hls.js over Media Source Extensions wherever it works, the browser's own HLS only where MSE is
// missing (older iOS Safari). Debian's chromium answers "maybe" for native HLS and cannot actually play
// it, so hls.js must win whenever it is supported. The light build: no subtitles, alt audio or DRM.
import Hls from 'hls.js/light';
import type { Playback, PlaybackHooks } from './playback';

export function playHls(video: HTMLVideoElement, playlistUrl: string, hooks: PlaybackHooks): Playback {
  const url = withViewerId(playlistUrl);
  if (Hls.isSupported()) return playWithHlsJs(video, url, hooks);
  if (video.canPlayType('application/vnd.apple.mpegurl')) return playNative(video, url, hooks);
  throw new Error('this browser can play HLS neither natively nor through Media Source Extensions');
}

function playWithHlsJs(video: HTMLVideoElement, url: string, hooks: PlaybackHooks): Playback {
  // Our segments are short live windows: start three segments from the live edge, keep little behind.
  const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 3, backBufferLength: 30 });
  let mediaRecoveries = 0;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    // A decode hiccup is usually recoverable once; network errors already went through hls.js's retries.
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries++ < 1) {
      hls.recoverMediaError();
      return;
    }
    const code = data.response?.code;
    hooks.fail({ httpStatus: code && code >= 400 ? code : undefined, detail: data.error?.message || data.details });
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return { engine: 'hls.js', destroy: () => hls.destroy() };
}

function playNative(video: HTMLVideoElement, url: string, hooks: PlaybackHooks): Playback {
  const onError = () => hooks.fail({ detail: video.error?.message || 'the browser could not load the playlist' });
  video.addEventListener('error', onError);
  video.src = url;
  return {
    engine: 'native HLS',
    destroy: () => {
      video.removeEventListener('error', onError);
      video.removeAttribute('src');
      video.load();
    },
  };
}

/**
 * The playlist URL with this page's own `hls_ctx`: the server puts it on every segment URL, so it counts this page
 * as one HLS viewer whichever server or connection each request reaches (a fresh id per play).
 */
function withViewerId(url: string): string {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${url}${url.includes('?') ? '&' : '?'}hls_ctx=${id}`;
}
