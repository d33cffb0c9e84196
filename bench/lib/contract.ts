/**
 * The contract every benchmark server fulfils, shared by the servers and by `bench/run.ts`.
 *
 * Each contestant serves exactly three routes with identical bodies, listens on loopback only, on
 * the port given in `PORT`, and prints one {@link READY_PREFIX} line once it accepts connections.
 */

/** Loopback only: a benchmark server never listens on a public interface. */
export const HOST = '127.0.0.1';

/** Line prefix a server prints on stdout once it is listening: `PHIAL_BENCH_READY <port>`. */
export const READY_PREFIX = 'PHIAL_BENCH_READY';

/** Body of `GET /plaintext`, sent as `text/plain; charset=utf-8`. */
export const PLAINTEXT_BODY = 'Hello, World!';

/** Body of `GET /json`, as an object (serialised by each framework). */
export const JSON_MESSAGE = { message: 'Hello, World!' } as const;

/** One measured route: the URL path wrk requests and the exact response it must get. */
export interface BenchRoute {
  /** Label in the results table. */
  readonly label: string;
  /** Path requested (absolute, starting with `/`). */
  readonly path: string;
  /** Exact expected body. */
  readonly body: string;
  /** Expected media type (the `content-type` must start with it). */
  readonly mediaType: string;
}

/** The three routes, in table order. */
export const ROUTES: readonly BenchRoute[] = [
  { label: 'GET /plaintext', path: '/plaintext', body: PLAINTEXT_BODY, mediaType: 'text/plain' },
  { label: 'GET /json', path: '/json', body: JSON.stringify(JSON_MESSAGE), mediaType: 'application/json' },
  { label: 'GET /users/:id', path: '/users/42', body: '{"id":42}', mediaType: 'application/json' },
];

/**
 * The port this server must listen on, from `PORT`.
 *
 * @throws {Error} if `PORT` is missing or not a TCP port number.
 */
export function benchPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`PORT must be set to a TCP port (1-65535), got ${JSON.stringify(process.env.PORT)}`);
  }
  return port;
}

/** Tells `bench/run.ts` the server is accepting connections on `port`. */
export function announceReady(port: number): void {
  process.stdout.write(`${READY_PREFIX} ${port}\n`);
}
