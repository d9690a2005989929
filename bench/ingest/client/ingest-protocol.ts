// Messages between the ingest bench (orchestrator) and the publisher load client, over Node's IPC channel.

export type IngestCommand =
  /** Start publishers (one per name) in batches; each batch waits ≤ batchTimeoutMs for its publish answers. */
  | { cmd: 'start'; port: number; app: string; names: string[]; file: string; chunkSize: number;
      mode: 'normal' | 'backwards' | 'stall' | 'duplicate'; batch: number; batchTimeoutMs: number }
  /** Every publisher's state and byte counts. */
  | { cmd: 'collect' }
  | { cmd: 'exit' };

export interface PublisherStat {
  readonly name: string;
  readonly mode: string;
  readonly state: string;
  /** The onStatus code the publish got. */
  readonly status: string;
  readonly error: string;
  /** Bytes handed to the socket so far. */
  readonly sent: number;
  /** Bytes still in the socket's user-space buffer (the server is not reading fast enough when this grows). */
  readonly backlog: number;
  readonly localPort: number;
}

export type IngestReply =
  | { event: 'ready' }
  | { event: 'started'; ms: number; publishing: number; refused: number; errors: string[] }
  | { event: 'collected'; publishers: PublisherStat[] };
