import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine } from '../engines/engine';
import { checkInteger } from './checks';

/** Recording (DVR) of every published stream to a PersistentVolumeClaim. */
export interface RecordingProps {
  /** Size of the claim in GiB. @default 10 */
  readonly sizeGibibytes?: number;
  /** `storageClassName` of the claim. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /**
   * Claim the volume `ReadWriteMany`, so several server pods record to the same volume (each stream is
   * published to one pod, so their files never collide). Needed when the recording workload has more than
   * one pod (OriginCluster origins, RelayCluster relays with `relayReplicas` > 1). @default false (ReadWriteOnce)
   */
  readonly readWriteMany?: boolean;
}

/** The checked `recording` prop. */
export interface ResolvedRecording {
  /** Claim size in GiB. */
  readonly sizeGibibytes: number;
  /** StorageClass, or undefined for the cluster default. */
  readonly storageClass?: string;
  /** ReadWriteMany instead of ReadWriteOnce. */
  readonly readWriteMany: boolean;
}

const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Checks the `recording` prop against the engine and the number of pods that will share the claim. */
export function resolveRecording(
  owner: string, recording: RecordingProps | undefined, engine: IServerEngine, replicas: number,
): ResolvedRecording | undefined {
  if (recording === undefined) return undefined;
  if (!engine.recordingDir) {
    throw new Error(`${owner} 'recording' needs an engine that records streams itself (ServerEngine.companion()); the ${engine.engineName} engine does not`);
  }
  const sizeGibibytes = checkInteger(owner, 'recording.sizeGibibytes', recording.sizeGibibytes ?? 10, 1);
  const sc = recording.storageClass;
  if (sc !== undefined && (typeof sc !== 'string' || sc.length > 253 || !STORAGE_CLASS.test(sc))) {
    throw new Error(`${owner} 'recording.storageClass' must be a StorageClass name (lowercase a-z, 0-9, "-" and "."), got ${JSON.stringify(sc)}`);
  }
  const readWriteMany = recording.readWriteMany ?? false;
  if (replicas > 1 && !readWriteMany) {
    throw new Error(`${owner} 'recording.readWriteMany' must be true when ${replicas} pods record to one claim, got false: a ReadWriteOnce volume attaches to one node`);
  }
  return { sizeGibibytes, storageClass: sc, readWriteMany };
}

/** The claim (named `<workload>-recording`) and its pod volume. */
export function recordingVolume(scope: Construct, workloadName: string, app: string, recording: ResolvedRecording): { claim: kplus.PersistentVolumeClaim; volume: kplus.Volume } {
  const claim = new kplus.PersistentVolumeClaim(scope, 'RecordingClaim', {
    metadata: { name: `${workloadName}-recording`, labels: { app } },
    storage: Size.gibibytes(recording.sizeGibibytes),
    storageClassName: recording.storageClass,
    accessModes: [recording.readWriteMany ? kplus.PersistentVolumeAccessMode.READ_WRITE_MANY : kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
  });
  return { claim, volume: kplus.Volume.fromPersistentVolumeClaim(scope, 'RecordingVolume', claim, { name: 'recording-volume' }) };
}
