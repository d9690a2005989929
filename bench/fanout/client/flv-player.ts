// A minimal HTTP-FLV player: GET the stream, skip the response headers, undo chunked transfer coding if
// the server uses it, and walk the FLV tags only far enough to count them and spot the first video frame.
import { Player } from './player';

const MAX_HEADER_BYTES = 16 * 1024;

const enum Body { Size, Data, DataEnd }
const enum Flv { FileHeader, TagHeader, TagData, PrevSize }

export class FlvPlayer extends Player {
  private head: Buffer | null = Buffer.alloc(MAX_HEADER_BYTES);
  private headLen = 0;
  private chunked = false;
  // chunked transfer coding state
  private body = Body.Size;
  private sizeLine = '';
  private chunkLeft = 0;
  // FLV state
  private flv = Flv.FileHeader;
  private need = 9; // bytes still to collect for the current fixed-size part
  private readonly tagHdr = Buffer.alloc(11);
  private tagType = 0;
  private tagLeft = 0;
  private peek0 = 0;
  private peek1 = 0;
  private peekLen = 0;
  private crlfLeft = 0;

  constructor(port: number, private readonly path: string, slowRate: number) {
    super(port, slowRate);
  }

  protected onConnect(): void {
    this.socket.write(`GET ${this.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: rtmp-k8s-bench\r\nAccept: */*\r\n\r\n`);
  }

  protected parse(buf: Buffer, n: number): void {
    let p = 0;
    if (this.head) {
      const take = Math.min(n, MAX_HEADER_BYTES - this.headLen);
      buf.copy(this.head, this.headLen, 0, take);
      const end = this.head.subarray(0, this.headLen + take).indexOf('\r\n\r\n');
      if (end < 0) {
        this.headLen += take;
        if (this.headLen >= MAX_HEADER_BYTES) throw new Error('response headers too long');
        return;
      }
      const text = this.head.toString('latin1', 0, end);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!status || status[1] !== '200') throw new Error(`http ${text.split('\r\n')[0]}`);
      this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      p = end + 4 - this.headLen;
      this.head = null;
    }
    if (!this.chunked) {
      this.flvBytes(buf, p, n);
      return;
    }
    while (p < n) {
      if (this.body === Body.Size) {
        const c = buf[p++];
        if (c === 0x0a) {
          const size = parseInt(this.sizeLine, 16);
          this.sizeLine = '';
          if (!(size >= 0)) throw new Error('bad chunk size');
          if (size === 0) throw new Error('stream ended');
          this.chunkLeft = size;
          this.body = Body.Data;
        } else if (c !== 0x0d) {
          if (this.sizeLine.length > 32) throw new Error('chunk size line too long');
          this.sizeLine += String.fromCharCode(c);
        }
      } else if (this.body === Body.Data) {
        const take = Math.min(this.chunkLeft, n - p);
        this.flvBytes(buf, p, p + take);
        p += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) { this.body = Body.DataEnd; this.crlfLeft = 2; }
      } else {
        p++; // the CRLF after the chunk data
        if (--this.crlfLeft === 0) this.body = Body.Size;
      }
    }
  }

  /** Walks FLV bytes buf[p..end). */
  private flvBytes(buf: Buffer, p: number, end: number): void {
    while (p < end) {
      if (this.flv === Flv.TagData) {
        const take = Math.min(this.tagLeft, end - p);
        if (this.tagType === 9) {
          for (let i = 0; i < take && this.peekLen < 2; i++) {
            if (this.peekLen++ === 0) this.peek0 = buf[p + i];
            else this.peek1 = buf[p + i];
          }
        }
        p += take;
        this.tagLeft -= take;
        if (this.tagLeft === 0) {
          if (this.tagType === 9 && this.peekLen >= 2) this.videoMessage(this.peek0, this.peek1);
          this.flv = Flv.PrevSize;
          this.need = 4;
        }
      } else if (this.flv === Flv.TagHeader) {
        const take = Math.min(this.need, end - p);
        buf.copy(this.tagHdr, 11 - this.need, p, p + take);
        p += take;
        this.need -= take;
        if (this.need === 0) {
          this.tagType = this.tagHdr[0] & 0x1f;
          this.tagLeft = this.tagHdr.readUIntBE(1, 3);
          this.peekLen = 0;
          this.mediaStarted();
          this.flv = Flv.TagData;
          if (this.tagLeft === 0) { this.flv = Flv.PrevSize; this.need = 4; }
        }
      } else {
        // file header (9 bytes; its offset field is 9 in practice) or a previous-tag-size field: skipped
        const take = Math.min(this.need, end - p);
        p += take;
        this.need -= take;
        if (this.need === 0) {
          if (this.flv === Flv.FileHeader) { this.flv = Flv.PrevSize; this.need = 4; } else { this.flv = Flv.TagHeader; this.need = 11; }
        }
      }
    }
  }
}
