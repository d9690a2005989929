// "Live now": polls the server's SRS-compatible API (GET /api/v1/streams) and lists the streams being
// published; a click plays one. When the API is unreachable from the browser (another host, blocked port,
// no CORS) the section stays hidden: the rest of the page works without it.

/** The fields of an SRS `/api/v1/streams` entry that the list shows. */
interface ApiStream {
  readonly name: string;
  readonly app: string;
  /** SRS counts the publisher among the clients. */
  readonly clients?: number;
  /** Connected players only (our server adds it; SRS does not). HLS readers are not connections. */
  readonly players?: number;
  readonly publish?: { readonly active?: boolean };
  readonly video?: { readonly codec?: string; readonly width?: number; readonly height?: number } | null;
  readonly audio?: { readonly codec?: string } | null;
}

const POLL_MS = 3_000;
const REQUEST_TIMEOUT_MS = 2_500;

export class LiveList {
  private live?: Set<string>;
  private selected = '';
  private timer?: ReturnType<typeof setTimeout>;
  private apiBase = '';

  /** `section` is hidden until the API answers; `list` is the <ul> inside it. */
  constructor(
    private readonly section: HTMLElement,
    private readonly list: HTMLUListElement,
    private readonly onPick: (app: string, stream: string) => void,
  ) {}

  /** Starts (or restarts) polling `apiBase`. */
  watch(apiBase: string): void {
    this.apiBase = apiBase;
    this.live = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    void this.poll();
  }

  /** Marks the stream being played. */
  select(app: string, stream: string): void {
    this.selected = `${app}/${stream}`;
    for (const b of this.list.querySelectorAll('button')) {
      if (b.dataset.name === this.selected) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  /** Whether the server lists `app/stream` as published; undefined while the API is unreachable. */
  isLive(app: string, stream: string): boolean | undefined {
    return this.live?.has(`${app}/${stream}`);
  }

  private async poll(): Promise<void> {
    const base = this.apiBase;
    try {
      const res = await fetch(`${base}/api/v1/streams?count=100`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body = await res.json() as { code?: number; streams?: ApiStream[] };
      if (base !== this.apiBase) return;
      if (!res.ok || body.code !== 0 || !Array.isArray(body.streams)) throw new Error(`API answered ${res.status}`);
      this.render(body.streams.filter((s) => s.publish?.active !== false));
    } catch {
      if (base !== this.apiBase) return;
      this.live = undefined;
      this.section.hidden = true;
    }
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private render(streams: ApiStream[]): void {
    this.live = new Set(streams.map((s) => `${s.app}/${s.name}`));
    this.section.hidden = false;
    const items = streams.map((s) => {
      const name = `${s.app}/${s.name}`;
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.name = name;
      button.textContent = name;
      if (name === this.selected) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => this.onPick(s.app, s.name));
      const info = document.createElement('span');
      info.className = 'info';
      info.textContent = describe(s);
      li.append(button, info);
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No stream is being published.';
      items.push(li);
    }
    this.list.replaceChildren(...items);
  }
}

function describe(s: ApiStream): string {
  const parts: string[] = [];
  if (s.video) parts.push([s.video.codec, s.video.width && s.video.height ? `${s.video.width}×${s.video.height}` : ''].filter(Boolean).join(' '));
  if (s.audio?.codec) parts.push(s.audio.codec);
  const players = s.players ?? (typeof s.clients === 'number' ? Math.max(0, s.clients - 1) : undefined);
  if (players !== undefined) parts.push(`${players} ${players === 1 ? 'player' : 'players'} connected`);
  return parts.filter(Boolean).join(' · ');
}
