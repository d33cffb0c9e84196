/**
 * Reading a request body under a byte limit.
 *
 * The limit is enforced on bytes actually received, whatever the framing: a declared
 * `Content-Length` above it is refused before any byte is read, and any body (chunked or with a
 * lying length) is cut the moment the count passes it. hono trusted the declared length on some
 * adapters and checked chunked bodies only after the handler ran (CVE-2026-54288,
 * CVE-2026-44456); here nothing past the limit is ever buffered.
 *
 * After a refusal the rest of the body is drained without being kept, so the client can read
 * the 413 instead of seeing a reset; the dispatcher closes the connection after such an error.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { BadRequest, RequestEntityTooLarge } from '../../errors/http.ts';

/** A running body read; see {@link pumpBody}. */
export interface BodyPump {
  /** Resolves with the byte count at the end of the body; rejects with the first failure. */
  readonly done: Promise<number>;
  /** Stops delivering chunks until {@link BodyPump.resume} (backpressure from the consumer). */
  pause(): void;
  resume(): void;
  /** Gives up: no more chunks are delivered and the rest of the body is drained and dropped. */
  stop(): void;
}

/** The 413 for a body over `maxContentLength`. */
export function bodyTooLarge(): RequestEntityTooLarge {
  return new RequestEntityTooLarge('The request body is larger than the server accepts.');
}

/**
 * Delivers the body of `raw` chunk by chunk to `onChunk`, counting bytes.
 *
 * @param raw - the request; its body must not have been read by anyone else
 * @param maxBytes - most bytes accepted (inclusive)
 * @param onChunk - called with each chunk; when it throws, reading stops and `done` rejects with
 *   that error
 * @returns the running read; `done` rejects with {@link RequestEntityTooLarge} (413) when the
 *   declared or received size exceeds `maxBytes`, {@link BadRequest} (400) when the client aborts
 *   or the stream fails, and `Error` when the body was already consumed (a programming error)
 */
export function pumpBody(raw: IncomingMessage, maxBytes: number, onChunk: (chunk: Buffer) => void): BodyPump {
  let settle!: { resolve: (n: number) => void; reject: (e: unknown) => void };
  const done = new Promise<number>((resolve, reject) => { settle = { resolve, reject }; });
  let size = 0;
  let finished = false;

  const detach = (): void => {
    raw.off('data', onData); raw.off('end', onEnd); raw.off('error', onError);
    raw.off('aborted', onAborted); raw.off('close', onClose);
  };
  const drain = (): void => {
    // Dropped, not buffered: a paused socket with unread bytes would make the kernel reset
    // the connection and the client would never see the error response.
    if (!raw.destroyed) { raw.on('error', ignore); raw.resume(); }
  };
  const fail = (err: unknown): void => {
    if (finished) return;
    finished = true;
    detach();
    drain();
    settle.reject(err);
  };
  function onData(chunk: Buffer): void {
    if (finished) return;
    size += chunk.length;
    if (size > maxBytes) { fail(bodyTooLarge()); return; }
    try { onChunk(chunk); } catch (err) { fail(err); }
  }
  function onEnd(): void {
    if (finished) return;
    finished = true;
    detach();
    settle.resolve(size);
  }
  function onError(): void { fail(new BadRequest('The request body could not be read.')); }
  function onAborted(): void { fail(new BadRequest('The request body was cut short.')); }
  function onClose(): void { if (!raw.complete) onAborted(); }

  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    fail(bodyTooLarge());
  } else if (raw.readableEnded) {
    finished = true;
    settle.reject(new Error('The request body was already consumed by another reader.'));
  } else if (raw.destroyed) {
    finished = true;
    settle.reject(new BadRequest('The request body was cut short.'));
  } else {
    raw.on('data', onData); raw.on('end', onEnd); raw.on('error', onError);
    raw.on('aborted', onAborted); raw.on('close', onClose);
    if (raw.isPaused()) raw.resume();
  }
  return {
    done,
    pause: () => { if (!finished) raw.pause(); },
    resume: () => { if (!finished) raw.resume(); },
    stop: () => {
      if (finished) return;
      finished = true;
      detach();
      drain();
      // Nobody waits for `done` after a stop, but an unobserved rejection must not escape.
      settle.resolve(size);
    },
  };
}

function ignore(): void { /* errors while draining an already refused body do not matter */ }

/**
 * Reads the whole body into one Buffer.
 *
 * @param maxBytes - most bytes accepted (inclusive)
 * @throws {RequestEntityTooLarge} (413) above `maxBytes`, declared or received
 * @throws {BadRequest} (400) when the client aborts mid-body
 */
export async function readBodyBuffer(raw: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const size = await pumpBody(raw, maxBytes, (c) => { chunks.push(c); }).done;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
