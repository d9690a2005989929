// /api/v1/summaries: process and host figures in SRS's shape. As in SRS, every *_percent is a ratio
// (0.153 means 15.3 %). CPU figures are measured between two replies (the first one: since start / boot).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { HubView } from '../hub/types';
import { VERSION } from '../log';
import { SRS_CODE, srsReply } from './api-srs';

interface CpuSample {
  readonly at: number;
  readonly self: NodeJS.CpuUsage;
  readonly busy: number;
  readonly total: number;
}

function sampleCpu(): CpuSample {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { at: Date.now(), self: process.cpuUsage(), busy, total };
}

/** A /proc file's text; '' when /proc is not there (not Linux) or unreadable, so the figures read 0. */
function readProc(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Bytes received/sent by every interface but loopback (SRS `net_recv_bytes`/`net_send_bytes`). */
function netBytes(): { recv: number; send: number } {
  let recv = 0;
  let send = 0;
  for (const line of readProc('/proc/net/dev').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name.trim() === 'lo') continue;
    const cols = rest.trim().split(/\s+/).map(Number);
    recv += cols[0] || 0;
    send += cols[8] || 0;
  }
  return { recv, send };
}

/** `name value` pairs of a /proc/net/sockstat line such as `TCP: inuse 12 orphan 0 tw 5 ...`. */
function sockstat(text: string, proto: string): Record<string, number> {
  const line = text.split('\n').find((l) => l.startsWith(`${proto}:`));
  const out: Record<string, number> = {};
  const words = line ? line.split(/\s+/).slice(1) : [];
  for (let i = 0; i + 1 < words.length; i += 2) out[words[i]] = Number(words[i + 1]) || 0;
  return out;
}

/**
 * TCP sockets in this network namespace (SRS `conn_sys`), established ones (`conn_sys_et`) and TIME_WAIT
 * (`conn_sys_tw`). From the kernel's counters, not by reading /proc/net/tcp: that table costs ~15 ms per
 * 3,600 sockets of blocking reads, too much for a media server's event loop.
 */
function tcpConns(): { all: number; established: number; timeWait: number } {
  const v4 = sockstat(readProc('/proc/net/sockstat'), 'TCP');
  const v6 = sockstat(readProc('/proc/net/sockstat6'), 'TCP6');
  const snmp = readProc('/proc/net/snmp').split('\n').filter((l) => l.startsWith('Tcp:'));
  let established = 0;
  if (snmp.length === 2) {
    const [names, values] = snmp.map((l) => l.split(/\s+/));
    established = Number(values[names.indexOf('CurrEstab')]) || 0;
  }
  const timeWait = v4.tw ?? 0;
  return { all: (v4.inuse ?? 0) + timeWait + (v6.inuse ?? 0), established, timeWait };
}

/** Keeps the previous CPU sample so each reply reports usage since the last one. */
export class Summaries {
  private last: CpuSample | null = null;
  private readonly startedAt = Date.now() - process.uptime() * 1000;

  constructor(private readonly hub: HubView) {}

  reply(): Record<string, unknown> {
    const now = sampleCpu();
    const prev = this.last ?? { at: this.startedAt, self: { user: 0, system: 0 }, busy: 0, total: 0 };
    this.last = now;
    const wallUs = Math.max(1, (now.at - prev.at) * 1000);
    const selfUs = now.self.user + now.self.system - prev.self.user - prev.self.system;
    const sysTotal = now.total - prev.total;
    const rss = process.memoryUsage.rss();
    const totalMem = os.totalmem();
    const totals = this.hub.totals();
    const net = netBytes();
    const conns = tcpConns();
    const [load1, load5, load15] = os.loadavg();
    return srsReply(SRS_CODE.OK, {
      data: {
        ok: true,
        now_ms: now.at,
        self: {
          version: VERSION,
          pid: process.pid,
          ppid: process.ppid,
          argv: process.argv.join(' '),
          cwd: process.cwd(),
          mem_kbyte: Math.round(rss / 1024),
          mem_percent: rss / totalMem,
          cpu_percent: selfUs / wallUs,
          srs_uptime: Math.round((now.at - this.startedAt) / 1000),
        },
        system: {
          cpu_percent: sysTotal > 0 ? (now.busy - prev.busy) / sysTotal : 0,
          mem_ram_kbyte: Math.round(totalMem / 1024),
          mem_ram_percent: (totalMem - os.freemem()) / totalMem,
          cpus: os.cpus().length,
          cpus_online: os.availableParallelism(),
          uptime: os.uptime(),
          load_1m: load1,
          load_5m: load5,
          load_15m: load15,
          net_recv_bytes: net.recv,
          net_send_bytes: net.send,
          srs_recv_bytes: totals.bytesIn,
          srs_send_bytes: totals.bytesOut,
          conn_sys: conns.all,
          conn_sys_et: conns.established,
          conn_sys_tw: conns.timeWait,
          conn_srs: this.hub.clients().length,
        },
      },
    });
  }
}
