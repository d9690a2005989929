// Just enough AMF0 for an RTMP player: encode the connect/createStream/play commands and
// decode the server's _result/_error/onStatus replies. Bounded: unknown types stop decoding.

export type Amf = number | boolean | string | null | undefined | { [k: string]: Amf };

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  return Buffer.concat([h, b]);
}

export function encode(values: Amf[]): Buffer {
  const parts: Buffer[] = [];
  const put = (v: Amf): void => {
    if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0x00;
      b.writeDoubleBE(v, 1);
      parts.push(b);
    } else if (typeof v === 'boolean') {
      parts.push(Buffer.from([0x01, v ? 1 : 0]));
    } else if (typeof v === 'string') {
      parts.push(Buffer.from([0x02]), str(v));
    } else if (v === null || v === undefined) {
      parts.push(Buffer.from([0x05]));
    } else {
      parts.push(Buffer.from([0x03]));
      for (const [k, x] of Object.entries(v)) {
        parts.push(str(k));
        put(x);
      }
      parts.push(Buffer.from([0x00, 0x00, 0x09]));
    }
  };
  values.forEach(put);
  return Buffer.concat(parts);
}

/** Decodes a sequence of AMF0 values; returns what it could read before the end or an unknown type. */
export function decode(buf: Buffer): Amf[] {
  let p = 0;
  const out: Amf[] = [];
  const readStr = (): string => {
    const n = buf.readUInt16BE(p);
    const s = buf.toString('utf8', p + 2, p + 2 + n);
    p += 2 + n;
    return s;
  };
  const readObj = (): { [k: string]: Amf } => {
    const o: { [k: string]: Amf } = {};
    for (let i = 0; i < 1000 && p + 3 <= buf.length; i++) {
      if (buf.readUIntBE(p, 3) === 9) { p += 3; break; }
      const k = readStr();
      o[k] = read();
    }
    return o;
  };
  const read = (): Amf => {
    const t = buf[p++];
    switch (t) {
      case 0x00: { const v = buf.readDoubleBE(p); p += 8; return v; }
      case 0x01: return buf[p++] !== 0;
      case 0x02: return readStr();
      case 0x03: return readObj();
      case 0x05: case 0x06: return null;
      case 0x08: p += 4; return readObj(); // ECMA array: count, then object body
      default: throw new Error(`amf0 type ${t}`);
    }
  };
  try {
    for (let i = 0; i < 32 && p < buf.length; i++) out.push(read());
  } catch {
    // Truncated or exotic value: keep what was decoded; the caller only needs the leading fields.
  }
  return out;
}
