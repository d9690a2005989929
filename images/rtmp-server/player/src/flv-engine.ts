// HTTP-FLV through mpegts.js (the maintained successor of flv.js): fetch-streamed FLV remuxed into MSE.
import mpegts from 'mpegts.js';
import type { Playback, PlaybackHooks } from './playback';

mpegts.LoggingControl.applyConfig({ enableVerbose: false, enableDebug: false, enableInfo: false, enableWarn: false });

export function playFlv(video: HTMLVideoElement, url: string, hooks: PlaybackHooks): Playback {
  if (!mpegts.getFeatureList().mseLivePlayback) {
    throw new Error('this browser cannot play HTTP-FLV (it has no Media Source Extensions)');
  }
  const player = mpegts.createPlayer({ type: 'flv', isLive: true, url }, {
    // Live, low latency: no stash buffer, never pause the download, chase the live edge, drop old buffer.
    enableStashBuffer: false,
    lazyLoad: false,
    liveBufferLatencyChasing: true,
    autoCleanupSourceBuffer: true,
  });
  player.on(mpegts.Events.ERROR, (_type: string, detail: string, info?: { code?: number; msg?: string }) => {
    const code = info?.code;
    hooks.fail({ httpStatus: code && code >= 400 ? code : undefined, detail: info?.msg || detail });
  });
  player.on(mpegts.Events.LOADING_COMPLETE, () => hooks.ended());
  player.attachMediaElement(video);
  player.load();
  return {
    engine: 'mpegts.js',
    destroy: () => {
      player.unload();
      player.detachMediaElement();
      player.destroy();
    },
  };
}
