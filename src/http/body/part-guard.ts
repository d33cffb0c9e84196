/**
 * Counting multipart parts and part-header lines before busboy sees the bytes.
 *
 * busboy caps part headers only at fixed values (2000 pairs, 16 KiB) and reports the number of
 * parts only after each part ends. Werkzeug (CVE-2023-25577) and python-multipart
 * (GHSA-pp6c-gr5w-3c5g) show what unbounded parts and part headers cost, so this scanner stops
 * a body at the first part over `maxFormParts` or the first header line over
 * `maxPartHeaderPairs` / `maxPartHeaderSize`, whatever the chunking. It uses the same delimiter
 * rule as busboy (`CRLF--boundary` followed by `CRLF` or `--`) and costs one `indexOf` per chunk
 * plus one per header line.
 *
 * It also applies the UTF-8 rule to the parts busboy will decode as text: each header block goes
 * through {@link checkPartHeaders} (names and file names), and the body of a non-file field is
 * fed to a strict streaming UTF-8 decoder up to its closing delimiter, so invalid bytes are a 400
 * instead of U+FFFD in the form. File contents are never looked at.
 *
 * @module
 */
import { TextDecoder } from 'node:util';
import { BadRequest, RequestEntityTooLarge } from '../../errors/http.ts';
import type { BodyLimits } from './limits.ts';
import { checkPartHeaders } from './part-headers.ts';

const SEEK = 0; // in a preamble or a part body, looking for the next delimiter
const AFTER = 1; // just after a delimiter: expecting CRLF (next part) or "--" (end)
const AFTER_CR = 2;
const AFTER_DASH = 3;
const HEADERS = 4; // in a part's header block
const DONE = 5; // after the close delimiter: the epilogue is ignored

/** Streaming counter for one multipart body. */
export class PartGuard {
  private readonly delimiter: Buffer;
  private tail: Buffer;
  private state = SEEK;
  private parts = 0;
  private headerLines = 0;
  private headerBytes = 0;
  private lineBytes = 0;
  private headerChunks: Buffer[] = [];
  /** Set while the body of a non-file field is being scanned. */
  private text: TextDecoder | undefined;

  /**
   * @param boundary - the `boundary` parameter (already validated)
   * @param limits - `maxFormParts`, `maxPartHeaderPairs`, `maxPartHeaderSize`
   */
  constructor(boundary: string, private readonly limits: Pick<BodyLimits, 'maxFormParts' | 'maxPartHeaderPairs' | 'maxPartHeaderSize'>) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // As in busboy: a body that starts with the first delimiter (no preamble) still matches.
    this.tail = Buffer.from('\r\n', 'latin1');
  }

  /**
   * Scans the next chunk of the body.
   * @throws {RequestEntityTooLarge} (413) at the first part, header line or header byte over the limits
   * @throws {BadRequest} (400) for a field value, field name or file name that is not UTF-8
   * @throws {UnsupportedMediaType} (415) for a field declaring a charset other than UTF-8
   */
  push(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.state === SEEK && this.tail.length > 0) {
      buf = Buffer.concat([this.tail, chunk]);
      this.tail = EMPTY;
    }
    while (pos < buf.length) {
      switch (this.state) {
        case SEEK: {
          const at = buf.indexOf(this.delimiter, pos);
          if (at === -1) {
            const keep = Math.min(this.delimiter.length - 1, buf.length - pos);
            // The kept tail is scanned again with the next chunk, so it is not field text yet.
            this.feedText(buf.subarray(pos, buf.length - keep), false);
            this.tail = Buffer.from(buf.subarray(buf.length - keep));
            return;
          }
          this.feedText(buf.subarray(pos, at), true);
          pos = at + this.delimiter.length;
          this.state = AFTER;
          break;
        }
        case AFTER: {
          const c = buf[pos++];
          this.state = c === 0x0d ? AFTER_CR : c === 0x2d ? AFTER_DASH : SEEK;
          break;
        }
        case AFTER_CR: {
          if (buf[pos] === 0x0a) {
            pos++;
            this.startPart();
          } else {
            this.state = SEEK;
          }
          break;
        }
        case AFTER_DASH: {
          if (buf[pos] === 0x2d) { this.state = DONE; return; }
          this.state = SEEK;
          break;
        }
        case HEADERS: {
          const nl = buf.indexOf(0x0a, pos);
          const end = nl === -1 ? buf.length : nl + 1;
          this.headerBytes += end - pos;
          this.lineBytes += end - pos;
          if (this.headerBytes > this.limits.maxPartHeaderSize) {
            throw new RequestEntityTooLarge(`A multipart part has more than ${this.limits.maxPartHeaderSize} bytes of headers.`);
          }
          this.headerChunks.push(buf.subarray(pos, end));
          pos = end;
          if (nl === -1) return;
          if (this.lineBytes <= 2) {
            // The empty line (CRLF, or a bare LF) ends the header block; the part body follows.
            this.state = SEEK;
            const lines = Buffer.concat(this.headerChunks).toString('latin1').split(/\r?\n/).filter((l) => l.length > 0);
            this.headerChunks = [];
            if (checkPartHeaders(lines)) this.text = new TextDecoder('utf-8', { fatal: true });
          } else if (++this.headerLines > this.limits.maxPartHeaderPairs) {
            throw new RequestEntityTooLarge(`A multipart part has more than ${this.limits.maxPartHeaderPairs} header lines.`);
          }
          this.lineBytes = 0;
          break;
        }
        default:
          return;
      }
    }
  }

  /** Feeds field text to the strict decoder; `last` ends the field (an incomplete sequence fails). */
  private feedText(bytes: Buffer, last: boolean): void {
    const text = this.text;
    if (text === undefined) return;
    try {
      text.decode(bytes, { stream: !last });
    } catch {
      throw new BadRequest('A multipart form field is not valid UTF-8.');
    }
    if (last) this.text = undefined;
  }

  private startPart(): void {
    if (++this.parts > this.limits.maxFormParts) {
      throw new RequestEntityTooLarge(`The form has more than ${this.limits.maxFormParts} parts.`);
    }
    this.state = HEADERS;
    this.headerLines = 0;
    this.headerBytes = 0;
    this.lineBytes = 0;
    this.headerChunks = [];
  }
}

const EMPTY = Buffer.alloc(0);
