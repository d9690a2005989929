// Watches a config file the way a mounted ConfigMap changes: the kubelet writes a new timestamped directory
// and swaps the `..data` symlink in the mounted DIRECTORY, so the file's own inode never changes and a watch
// on the file sees nothing. We watch the directory, debounce the burst of events, and let the caller re-read,
// but only when the content differs from what it last saw: events that leave the file as it was (an identical
// re-publish, other files in the directory) cause no reload, so an invalid file is rejected and logged once.
// A slow content poll backs the watch up (inotify can be missing on some volume types).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';

export interface WatchOptions {
  /** Quiet time after the last event before calling back. @default 300 */
  readonly debounceMs?: number;
  /** How often the content is compared even without events. @default 10000 */
  readonly pollMs?: number;
}

export interface ConfigWatch {
  close(): void;
}

/** Calls `onChange` (debounced) when the file's content differs from the content at the last call (or at the start). */
export function watchConfigFile(file: string, onChange: () => void, log: Logger, opts: WatchOptions = {}): ConfigWatch {
  const debounceMs = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | null = null;
  let lastText = readOrNull(file);
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const text = readOrNull(file);
      if (text === lastText) return;
      lastText = text;
      onChange();
    }, debounceMs);
  };

  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(path.dirname(file), { persistent: false }, fire);
    watcher.on('error', (e) => log.warn({ event: 'config-watch-error', file, err: e }, 'config watch failed; polling only'));
  } catch (e) {
    log.warn({ event: 'config-watch-error', file, err: e }, 'cannot watch the config directory; polling only');
  }
  const poll = setInterval(() => {
    if (readOrNull(file) !== lastText) fire();
  }, opts.pollMs ?? 10_000);
  poll.unref();

  return {
    close() {
      watcher?.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
