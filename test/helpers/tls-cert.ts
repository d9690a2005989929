/**
 * Certificates for TLS tests, made with the real openssl CLI, laid out as the kubelet mounts a
 * `kubernetes.io/tls` Secret: `tls.crt` and `tls.key` are symlinks through `..data`, which points at a
 * timestamped directory; a renewal writes a new directory and swaps `..data` atomically (rename of a symlink).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** A self-signed P-256 certificate for `cn`, valid for 127.0.0.1 and localhost. */
export async function makeCert(dir: string, cn: string): Promise<{ cert: string; key: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  await execFileP('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { cert, key };
}

/** A Secret-like mount directory whose certificate can be renewed in place. */
export class SecretMount {
  private generation = 0;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  get certFile(): string { return path.join(this.dir, 'tls.crt'); }
  get keyFile(): string { return path.join(this.dir, 'tls.key'); }

  /** Installs a new certificate for `cn` the way the kubelet does; returns its PEM. */
  async install(cn: string): Promise<string> {
    const stamp = `..${Date.now()}_${++this.generation}`;
    const made = await makeCert(path.join(this.dir, stamp), cn);
    const tmpLink = path.join(this.dir, '..data_tmp');
    fs.rmSync(tmpLink, { force: true });
    fs.symlinkSync(stamp, tmpLink);
    fs.renameSync(tmpLink, path.join(this.dir, '..data'));
    for (const f of ['tls.crt', 'tls.key']) {
      const link = path.join(this.dir, f);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', f), link);
    }
    return fs.readFileSync(made.cert, 'utf8');
  }
}

/** The common name of the certificate a TLS server on 127.0.0.1:port presents to a new connection. */
export function peerCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`TLS handshake with ${port} timed out`)); });
    s.once('error', reject);
  });
}
