import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EdgeCluster } from './edge-cluster';
import { OriginCluster } from './origin-cluster';
import { checkInteger, checkName } from './parts/checks';
import { ContainerSize, resolveSize, toResources } from './parts/resources';
import { nonRootReadOnly } from './parts/security';
import { StandaloneOrigin } from './parts/standalone-origin';
import { RelayCluster } from './relay-cluster';

/** ffmpeg image of the demo publisher: static ffmpeg (x264, AAC, TLS) on scratch, entrypoint `/ffmpeg`. */
export const DEFAULT_DEMO_IMAGE = 'mwader/static-ffmpeg:7.1';

/** A topology the demo publisher can find the publish address of. */
export type DemoTopology = StandaloneOrigin | EdgeCluster | OriginCluster | RelayCluster;

/** Options of the generated test pattern. */
export interface TestPatternOptions {
  /** Frame size. @default '640x360' */
  readonly size?: string;
  /** Frames per second (also the keyframe interval: one per second). @default 25 */
  readonly frameRate?: number;
  /** Tone frequency in Hz. @default 1000 */
  readonly toneHz?: number;
  /** Video bitrate in kbit/s. @default 800 */
  readonly videoKbps?: number;
}

/** What the demo publisher sends. */
export class DemoSource {
  /** ffmpeg's moving test pattern (`testsrc2`) with a sine tone, encoded H.264 + AAC with a keyframe every second. */
  public static testPattern(options: TestPatternOptions = {}): DemoSource {
    const size = options.size ?? '640x360';
    if (!/^\d{2,4}x\d{2,4}$/.test(size)) throw new Error(`DemoPublisher 'source' size must be WIDTHxHEIGHT, got ${JSON.stringify(size)}`);
    const fps = checkInteger('DemoPublisher', 'source.frameRate', options.frameRate ?? 25, 1);
    const tone = checkInteger('DemoPublisher', 'source.toneHz', options.toneHz ?? 1000, 1);
    const kbps = checkInteger('DemoPublisher', 'source.videoKbps', options.videoKbps ?? 800, 1);
    return new DemoSource([
      '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
      '-f', 'lavfi', '-i', `sine=frequency=${tone}:sample_rate=44100`,
    ], [
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', '-b:v', `${kbps}k`,
      '-c:a', 'aac', '-b:a', '96k', '-ar', '44100', '-ac', '2',
    ]);
  }

  /**
   * A media file from a URL (http, https), played in real time and looped. It is copied when it is H.264/AAC
   * (what FLV carries); otherwise set `transcode`. The host must answer range requests (static file servers,
   * object stores and CDNs do): ffmpeg seeks back to the start through them to loop.
   */
  public static fromUrl(url: string, options: { readonly transcode?: boolean } = {}): DemoSource {
    if (!/^https?:\/\/\S+$/.test(url)) throw new Error(`DemoPublisher 'source' URL must be http(s)://..., got ${JSON.stringify(url)}`);
    const codec = options.transcode
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '44100']
      : ['-c', 'copy'];
    return new DemoSource(['-re', '-stream_loop', '-1', '-i', url], codec);
  }

  private constructor(
    /** ffmpeg input arguments. */
    public readonly inputArgs: readonly string[],
    /** ffmpeg codec arguments. */
    public readonly codecArgs: readonly string[],
  ) {}
}

/** Props of {@link DemoPublisher}. */
export interface DemoPublisherProps {
  /**
   * The topology to publish to: its publish Service (SingleOrigin/OriginWithNginx: the Service; EdgeCluster and
   * OriginCluster: the edge Service; RelayCluster: the relay Service) on its RTMP port. Exactly one of
   * `topology` and `url`.
   * @default - none
   */
  readonly topology?: DemoTopology;
  /** A full publish URL instead (`rtmp://host:port/app/stream`, or `rtmps://` to a TLS listener). @default - none */
  readonly url?: string;
  /** RTMP app of the stream (with `topology`). @default 'live' */
  readonly app?: string;
  /** Stream name (with `topology`). @default 'livestream' */
  readonly stream?: string;
  /** What to publish. @default DemoSource.testPattern() */
  readonly source?: DemoSource;
  /** ffmpeg image; its entrypoint must be ffmpeg (the args are ffmpeg's). @default 'mwader/static-ffmpeg:7.1' */
  readonly image?: string;
  /** Deployment name, also the `app` label. @default '<topology name>-demo-publisher', or 'demo-publisher' with `url` */
  readonly name?: string;
  /**
   * CPU and memory of the ffmpeg container (encoding the default pattern takes about a quarter of a core).
   * @default { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 }
   */
  readonly resources?: ContainerSize;
}

const OWNER = 'DemoPublisher';
/** User the ffmpeg container runs as (the default image is FROM scratch: any uid works). */
const DEMO_UID = 10002;
const DEMO_SIZE = { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 };
const NAME_PART = /^[A-Za-z0-9_-]+$/;

/** The Service publishers connect to, for each topology. */
function publishService(t: DemoTopology): kplus.Service {
  if (t instanceof StandaloneOrigin) return t.service;
  if (t instanceof EdgeCluster || t instanceof OriginCluster) return t.edgeService;
  if (t instanceof RelayCluster) return t.relayService;
  throw new Error(`${OWNER} 'topology' must be a SingleOrigin, OriginWithNginx, EdgeCluster, OriginCluster or RelayCluster`);
}

/** `rtmp://<service>[.<namespace>]:<port>/<app>/<stream>` for a topology's publish Service. */
export function publishUrl(t: DemoTopology, app = 'live', stream = 'livestream'): string {
  for (const [prop, v] of [['app', app], ['stream', stream]]) {
    if (!NAME_PART.test(v)) throw new Error(`${OWNER} '${prop}' must be letters, digits, "_" or "-", got ${JSON.stringify(v)}`);
  }
  const svc = publishService(t);
  const port = svc.ports.find((p) => p.targetPort === t.engine.ports.rtmp);
  if (!port) throw new Error(`${OWNER} 'topology' has no Service port forwarding to RTMP ${t.engine.ports.rtmp}`);
  const ns = svc.metadata.namespace;
  return `rtmp://${svc.name}${ns ? `.${ns}` : ''}:${port.port}/${app}/${stream}`;
}

/**
 * The guide's "Publish Demo Streams to SRS": a Deployment of one ffmpeg that publishes a looping test pattern
 * with a tone (or a file from a URL) to a topology's publish address, for smoke tests and demos. Non-root,
 * read-only root, resources set. When the server restarts or drains, ffmpeg's connection ends, ffmpeg exits and
 * the kubelet restarts it (after its crash back-off), publishing again through the Service.
 */
export class DemoPublisher extends Construct {
  /** The URL ffmpeg publishes to. */
  public readonly url: string;
  /** The ffmpeg arguments (the image's entrypoint is ffmpeg). */
  public readonly args: readonly string[];
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;

  public constructor(scope: Construct, id: string, props: DemoPublisherProps) {
    super(scope, id);
    if ((props.topology === undefined) === (props.url === undefined)) {
      throw new Error(`${OWNER} needs exactly one of 'topology' and 'url', got ${props.topology ? 'both' : 'neither'}`);
    }
    if (props.url !== undefined && !/^rtmps?:\/\/[^/\s]+\/\S+$/.test(props.url)) {
      throw new Error(`${OWNER} 'url' must be rtmp://host[:port]/app/stream or rtmps://..., got ${JSON.stringify(props.url)}`);
    }
    this.url = props.url ?? publishUrl(props.topology!, props.app, props.stream);
    const name = checkName(OWNER, 'name', props.name ?? (props.topology ? `${props.topology.name}-demo-publisher` : 'demo-publisher'));
    const image = props.image ?? DEFAULT_DEMO_IMAGE;
    if (!image) throw new Error(`${OWNER} 'image' must be a non-empty image reference, got ""`);
    const source = props.source ?? DemoSource.testPattern();
    // -rw_timeout (µs): a server that vanishes without closing the socket still ends ffmpeg, so the pod restarts.
    this.args = [
      '-hide_banner', '-loglevel', 'warning', '-nostdin',
      ...source.inputArgs, ...source.codecArgs,
      '-rw_timeout', '10000000', '-f', 'flv', this.url,
    ];

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name, labels: { app: name } },
      podMetadata: { labels: { app: name, 'app.kubernetes.io/component': 'demo-publisher' } },
      replicas: 1,
      select: false,
      // One publisher per stream: the old pod stops before the new one starts (a second one would be refused).
      strategy: kplus.DeploymentStrategy.recreate(),
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true },
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: { app: name } }));
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/enableServiceLinks', false));
    this.deployment.addContainer({
      name: 'ffmpeg',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: [...this.args],
      resources: toResources(resolveSize(OWNER, 'resources', props.resources, DEMO_SIZE)),
      securityContext: nonRootReadOnly(DEMO_UID),
    });
  }
}
