/**
 * AMF0 (the value encoding of RTMP commands and metadata), decoded defensively: every length is checked
 * against the bytes that exist, nesting and item counts are bounded, and any type we do not accept
 * (references, XML, typed objects, AMF3 switch) is an error. Errors throw `ProtocolError`; the
 * connection boundary catches it and closes only that connection.
 */
import { ProtocolError } from './errors';

export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject;
export interface AmfObject { [key: string]: AmfValue }

const NUMBER = 0x00, BOOLEAN = 0x01, STRING = 0x02, OBJECT = 0x03, NULL = 0x05, UNDEFINED = 0x06;
const ECMA_ARRAY = 0x08, OBJECT_END = 0x09, STRICT_ARRAY = 0x0a, DATE = 0x0b, LONG_STRING = 0x0c;

/** Nesting deeper than this is not something an encoder sends. */
const MAX_DEPTH = 16;
/** Keys per object / items per array, and values per message. */
const MAX_ITEMS = 4096;

/** Decodes all values in `buf` (a command or data message body). */
export function decodeAmf0(buf: Buffer, start = 0): AmfValue[] {
  const r = new Reader(buf, start);
  const out: AmfValue[] = [];
  while (r.pos < buf.length) {
    if (out.length >= MAX_ITEMS) throw new ProtocolError('amf0: too many values');
    out.push(r.value(0));
  }
  return out;
}

class Reader {
  constructor(readonly buf: Buffer, public pos: number) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new ProtocolError('amf0: value runs past the message');
  }

  private u8(): number { this.need(1); return this.buf[this.pos++]; }
  private u16(): number { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  private u32(): number { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  private f64(): number { this.need(8); const v = this.buf.readDoubleBE(this.pos); this.pos += 8; return v; }

  private str(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  value(depth: number): AmfValue {
    if (depth > MAX_DEPTH) throw new ProtocolError('amf0: nesting too deep');
    const type = this.u8();
    switch (type) {
      case NUMBER: return this.f64();
      case BOOLEAN: return this.u8() !== 0;
      case STRING: return this.str(this.u16());
      case LONG_STRING: return this.str(this.u32());
      case NULL: return null;
      case UNDEFINED: return undefined;
      case OBJECT: return this.props(depth);
      case ECMA_ARRAY: this.u32(); return this.props(depth); // the count is a hint (often wrong); the end marker rules
      case STRICT_ARRAY: {
        const n = this.u32();
        if (n > MAX_ITEMS) throw new ProtocolError('amf0: array too long');
        const a: AmfValue[] = [];
        for (let i = 0; i < n; i++) a.push(this.value(depth + 1));
        return a;
      }
      case DATE: { const ms = this.f64(); this.u16(); return new Date(ms); }
      default: throw new ProtocolError(`amf0: unsupported type 0x${type.toString(16)}`);
    }
  }

  private props(depth: number): AmfObject {
    const o: AmfObject = Object.create(null);
    for (let i = 0; ; i++) {
      if (i > MAX_ITEMS) throw new ProtocolError('amf0: object has too many keys');
      const key = this.str(this.u16());
      if (key === '') {
        // Empty key + end marker closes the object; some encoders omit the marker at the very end.
        if (this.pos >= this.buf.length) return o;
        if (this.buf[this.pos] === OBJECT_END) { this.pos++; return o; }
      }
      o[key] = this.value(depth + 1);
    }
  }
}

/** Encodes our own values (commands, metadata we build); never called on peer input. */
export function encodeAmf0(values: AmfValue[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) encodeValue(v, parts);
  return Buffer.concat(parts);
}

function encodeValue(v: AmfValue, parts: Buffer[]): void {
  if (v === null) { parts.push(Buffer.from([NULL])); return; }
  if (v === undefined) { parts.push(Buffer.from([UNDEFINED])); return; }
  switch (typeof v) {
    case 'number': { const b = Buffer.alloc(9); b[0] = NUMBER; b.writeDoubleBE(v, 1); parts.push(b); return; }
    case 'boolean': parts.push(Buffer.from([BOOLEAN, v ? 1 : 0])); return;
    case 'string': {
      const s = Buffer.from(v, 'utf8');
      if (s.length > 0xffff) {
        const h = Buffer.alloc(5); h[0] = LONG_STRING; h.writeUInt32BE(s.length, 1); parts.push(h, s);
      } else {
        const h = Buffer.alloc(3); h[0] = STRING; h.writeUInt16BE(s.length, 1); parts.push(h, s);
      }
      return;
    }
  }
  if (v instanceof Date) {
    const b = Buffer.alloc(11); b[0] = DATE; b.writeDoubleBE(v.getTime(), 1); parts.push(b); return;
  }
  if (Array.isArray(v)) {
    const h = Buffer.alloc(5); h[0] = STRICT_ARRAY; h.writeUInt32BE(v.length, 1); parts.push(h);
    for (const item of v) encodeValue(item, parts);
    return;
  }
  parts.push(Buffer.from([OBJECT]));
  for (const [k, item] of Object.entries(v)) {
    const key = Buffer.from(k, 'utf8');
    const h = Buffer.alloc(2); h.writeUInt16BE(key.length, 0); parts.push(h, key);
    encodeValue(item, parts);
  }
  parts.push(Buffer.from([0, 0, OBJECT_END]));
}
