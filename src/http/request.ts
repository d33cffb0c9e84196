/**
 * The request wrapper a view receives: a thin, lazy view over Node's `IncomingMessage`.
 *
 * Nothing is parsed until asked for: the query string on first `query` access, cookies on first
 * `cookies` access. The body is read once, whole, under the route's {@link BodyLimits}: by the
 * dispatcher before the view (`loadBody`) when the request has one, otherwise on the first
 * `body()`/`text()`/`json()`/`form()`/`files()`; all of them share that one read
 * (`src/http/body/`). A declared `Content-Length` above `maxContentLength` is refused before any
 * byte is read, and any body (chunked included) is cut as soon as it passes the limit, with 413.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { BadRequest, UnsupportedMediaType } from '../errors/http.ts';
import { isJson, isMultipart, isUrlEncoded, parseMediaType, type MediaType } from './content-type.ts';
import { readRequestBody, resolveBodyLimits, type BodyLimits, type FileMap, type FormObject, type ParsedBody } from './body/index.ts';
import { parseCookieHeader } from './cookies.ts';
import { parseQueryArgs } from './query.ts';
import { decodeUtf8, requireUtf8 } from './body/text.ts';
import type { Session, SessionValues } from '../sessions/session.ts';
import { NO_TRUSTED_PROXIES, resolveForwarded, type ForwardedInfo, type TrustedProxies } from './proxy.ts';
import { cspNonce } from '../security/nonce.ts';

/** What a request needs from its app (kept small so `Request` does not import the app). */
export interface RequestHost {
  readonly maxContentLength: number;
  /** The app's body limits; without it, the defaults with the host's `maxContentLength`. */
  readonly bodyLimits?: BodyLimits;
  /** The session of `req` on first access (the app's session back-end); absent in bare requests built by tests. */
  openSession?(req: Request<unknown, unknown>): Session;
  /** Name prefix of upload directories (`uploadDirPrefix(appName)`); without it, `phial-upload-`. */
  readonly uploadPrefix?: string;
  /** Proxies whose forwarding headers are believed; without it, none. */
  readonly trustedProxies?: TrustedProxies;
  /**
   * True when {@link trustedProxies} trusts nobody (the default), so the scheme and host come from
   * the socket and the `Host` header without resolving forwarding headers. Absent: computed.
   */
  readonly noTrustedProxies?: boolean;
  urlFor(endpoint: string, values?: Record<string, unknown>, options?: { external?: boolean; blueprint?: string }): string;
}

/** `req.valid` of a route without schemas (shared, frozen: validation replaces it, never mutates it). */
const NOTHING_VALIDATED = Object.freeze({});

let requestCounter = 0;
const idPrefix = process.pid.toString(36) + '-';

/**
 * A request. `P` is the type of `params`, inferred from the route's rule (or from its `params`
 * schema); `V` is the type of `valid`, the outputs of the route's other schemas.
 */
export class Request<P = Record<string, unknown>, V = unknown> {
  /** The underlying Node request. */
  readonly raw: IncomingMessage;
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  /** The request target as received, e.g. `/notes/3?x=1`. */
  readonly url: string;
  /** The path part of `url`, still percent-encoded, e.g. `/notes/3`. */
  readonly path: string;
  /** The query string without `?` (empty string when absent). */
  readonly queryString: string;
  /** URL parameters converted by the rule's converters (`<int:id>` gives a number). */
  params: P;
  /** The matched endpoint, e.g. `notes.show`, or undefined before routing / when none matched. */
  endpoint: string | undefined;
  /** The matched rule, e.g. `/notes/<int:id>`. */
  rule: string | undefined;
  /** The innermost blueprint of the matched endpoint, if any. */
  blueprint: string | undefined;
  /**
   * The validated inputs of the route, one key per schema in its `schema` option (`query`, `body`,
   * `form`, `headers`, `cookies`), typed from the schemas' outputs. Empty for a route without schemas.
   */
  valid: V;

  private readonly owner: RequestHost;
  private _query: URLSearchParams | undefined;
  private _forwarded: ForwardedInfo | undefined;
  private _session: Session | undefined;
  private _cookies: Record<string, string> | undefined;
  private _g: Record<string, unknown> | undefined;
  private _nonce: string | undefined;
  private _id: string | undefined;
  private _parsed: Promise<ParsedBody> | undefined;
  private _limits: BodyLimits | undefined;

  constructor(raw: IncomingMessage, host: RequestHost) {
    this.raw = raw;
    this.owner = host;
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    this.url = url;
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.queryString = q === -1 ? '' : url.slice(q + 1);
    this.params = {} as P;
    this.endpoint = undefined;
    this.rule = undefined;
    this.blueprint = undefined;
    this.valid = NOTHING_VALIDATED as V;
  }

  /** Request headers, lower-case names (Node's parsed form). */
  get headers(): IncomingMessage['headers'] { return this.raw.headers; }

  /** One request header by (case-insensitive) name. */
  header(name: string): string | undefined {
    const v = this.raw.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /**
   * Parsed query string (first value via `get`, all via `getAll`), like Werkzeug's `args`, parsed
   * on first access under the route's limits (see `parseQueryArgs`).
   * @throws {RequestEntityTooLarge} (413) for more than `maxParams` parameters
   * @throws {BadRequest} (400) for a name with more than `maxArrayIndex + 1` values, or text that
   *   is not UTF-8 once percent-decoded
   */
  get query(): URLSearchParams {
    return (this._query ??= parseQueryArgs(this.queryString, this.bodyLimits));
  }

  /** Request cookies as a null-prototype record of decoded values (see `parseCookieHeader`). */
  get cookies(): Record<string, string> {
    return (this._cookies ??= parseCookieHeader(this.header('cookie')));
  }

  /**
   * The session (Flask's `session`): a typed record with `get`/`set`/`delete`, `flash()`,
   * `regenerate()` (call it at login: new id, old one dead), `destroy()` and `permanent`.
   * Opened on first access (a server-side session whose cookie is present: before hooks run),
   * empty when the request has none. A request that never touches it sets no cookie; one that does gets
   * `Vary: Cookie` and `Cache-Control: private, no-store`.
   * @throws {Error} when the request was not built by an app (no session back-end)
   */
  get session(): Session<SessionValues> {
    if (this._session === undefined) {
      const open = this.owner.openSession;
      if (!open) throw new Error('This request has no session back-end (it was not built by a Phial app).');
      this._session = open.call(this.owner, this as Request<unknown, unknown>);
    }
    return this._session as Session<SessionValues>;
  }

  /** @internal True once the session was opened or created for this request. */
  get sessionOpened(): boolean { return this._session !== undefined; }

  /** @internal Gives the request the session opened from its cookie. */
  attachSession(session: Session): void { this._session = session; }

  /** Per-request scratch space, like Flask's `g`. */
  get g(): Record<string, unknown> {
    return (this._g ??= Object.create(null) as Record<string, unknown>);
  }

  /**
   * The CSP nonce of this response (128 random bits, base64). Put it on inline `<script>` and
   * `<style>` tags; templates see it as `csp_nonce`.
   */
  get cspNonce(): string {
    return (this._nonce ??= cspNonce());
  }

  /** @internal whether a nonce was drawn, so the writer reuses it. */
  get drawnNonce(): string | undefined { return this._nonce; }

  /** A short id for log correlation (process-unique). */
  get id(): string {
    return (this._id ??= idPrefix + (++requestCounter).toString(36));
  }

  /**
   * What the trusted proxies in front of the app said about the client (Werkzeug's ProxyFix):
   * client address, scheme, host and port. With no `trustedProxies` configured (the default), the
   * socket peer and nothing from `X-Forwarded-*`/`Forwarded` (cases C28, C29).
   */
  get forwarded(): ForwardedInfo {
    return (this._forwarded ??= resolveForwarded(this.raw.socket.remoteAddress ?? '', this.raw.headers, this.owner.trustedProxies ?? NO_TRUSTED_PROXIES));
  }

  /**
   * The client address, canonical (IPv4-mapped IPv6 as plain IPv4, IPv6 compressed per RFC 5952):
   * the socket peer, or the address a trusted proxy reported.
   */
  get remoteAddr(): string {
    return this.forwarded.clientIp;
  }

  /** True when the client's connection is TLS: Phial's own socket, or `https` from a trusted proxy. */
  get isSecure(): boolean {
    if ((this.raw.socket as Partial<TLSSocket>).encrypted === true) return true;
    // Every response asks (HSTS): with no trusted proxy, skip resolving the forwarded info.
    if (this.trustsNoProxy()) return false;
    return this.forwarded.scheme === 'https';
  }

  /**
   * The host the client asked for: the `Host` header, or the host a trusted proxy reported.
   * Checked against `trustedHosts` before routing; never used to build external URLs (those come
   * from the configured `origin`).
   */
  get host(): string | undefined {
    // Every request asks (trusted hosts): with no trusted proxy, the Host header is the answer.
    if (this.trustsNoProxy()) return this.header('host');
    return this.forwarded.host ?? this.header('host');
  }

  private trustsNoProxy(): boolean {
    const known = this.owner.noTrustedProxies;
    if (known !== undefined) return known;
    const trusted = this.owner.trustedProxies;
    return trusted === undefined || (trusted.hops === 0 && trusted.cidrs.length === 0);
  }

  /** `https` or `http`. */
  get scheme(): 'http' | 'https' { return this.isSecure ? 'https' : 'http'; }

  /**
   * The parsed `Content-Type` (RFC 9110 §8.3.1), or undefined when there is none. The same parser
   * chooses the body parser, so what a validator sees here is what the body was parsed as.
   * @throws {UnsupportedMediaType} (415) for a malformed header, e.g. `application/json garbage`
   */
  get mediaType(): MediaType | undefined {
    return parseMediaType(this.header('content-type'));
  }

  /**
   * The media type of the body without parameters, lower-case (e.g. `application/json`), or `''`
   * when there is none. Like Werkzeug's `mimetype`.
   * @throws {UnsupportedMediaType} (415) for a malformed header
   */
  get mimetype(): string {
    return this.mediaType?.essence ?? '';
  }

  /** Builds a URL for an endpoint; `.name` is relative to this request's blueprint. */
  urlFor(endpoint: string, values?: Record<string, unknown>, options: { external?: boolean } = {}): string {
    return this.owner.urlFor(endpoint, values, { ...options, ...(this.blueprint ? { blueprint: this.blueprint } : {}) });
  }

  /**
   * The limits of this request's body and query string: its route's once routed, else the app's
   * (the default for {@link Request.loadBody}).
   */
  get bodyLimits(): BodyLimits {
    return this._limits ?? this.owner.bodyLimits ?? resolveBodyLimits({ maxContentLength: this.owner.maxContentLength });
  }

  /** @internal Sets the matched route's limits (the dispatcher, when routing found a route). */
  useLimits(limits: BodyLimits): void { this._limits = limits; }

  /**
   * @internal Reads and parses the whole body once (see `readRequestBody`); every later call, and
   * every body accessor, returns the same promise, so the first caller's limits win. The
   * dispatcher calls it before the view with the route's limits.
   * @throws as `readRequestBody`: 415, 413 or 400
   */
  loadBody(limits: BodyLimits = this.bodyLimits): Promise<ParsedBody> {
    return (this._parsed ??= readRequestBody(this.raw, limits, this.owner.uploadPrefix === undefined ? {} : { uploadPrefix: this.owner.uploadPrefix }));
  }

  /**
   * @internal Removes uploaded temporary files once the response is written. Idempotent; a no-op
   * when the body was never read or held no files.
   */
  async releaseBody(): Promise<void> {
    if (this._parsed === undefined) return;
    let parsed: ParsedBody;
    try { parsed = await this._parsed; } catch { return; } // a failed read already removed its files
    await parsed.cleanup();
  }

  /**
   * The raw body bytes. Empty for a `multipart/form-data` body, whose parts were streamed into
   * `form()` and `files()` rather than kept (as in Werkzeug after form parsing).
   * @throws {RequestEntityTooLarge} (413) above `maxContentLength` bytes (declared or received)
   * @throws {BadRequest} (400) when the client aborts mid-body, or the body does not parse as its
   *   declared type (a JSON or form body is parsed when it is read)
   * @throws {UnsupportedMediaType} (415) for a malformed `Content-Type`
   */
  async body(): Promise<Buffer> {
    return (await this.loadBody()).raw ?? EMPTY;
  }

  /**
   * The body decoded strictly as UTF-8 (a leading BOM dropped), like every other text Phial reads.
   * @throws {UnsupportedMediaType} (415) when the `Content-Type` declares a charset other than
   *   UTF-8 (as for JSON and forms: Phial decodes no other charset, rather than guess)
   * @throws {BadRequest} (400) for bytes that are not UTF-8, and as {@link Request.body}
   */
  async text(): Promise<string> {
    const mt = this.mediaType;
    if (mt) requireUtf8(mt);
    return decodeUtf8(await this.body());
  }

  /**
   * The body parsed as JSON by `secure-json-parse`: a `__proto__` key, or a `constructor` key
   * holding `prototype`, at any depth is refused so a later merge cannot pollute `Object.prototype`.
   * @throws {UnsupportedMediaType} (415) when the content type is not JSON (`application/json` or
   *   `+json`), is malformed, or has a charset other than UTF-8
   * @throws {BadRequest} (400) for an empty body, malformed JSON, invalid UTF-8 or a forbidden key
   * @throws {RequestEntityTooLarge} (413) above `maxContentLength`
   */
  async json(): Promise<unknown> {
    if (!isJson(this.mediaType)) {
      throw new UnsupportedMediaType('Expected a JSON body (Content-Type: application/json).');
    }
    const parsed = await this.loadBody();
    if (parsed.json === undefined) throw new BadRequest('The request body is empty; expected JSON.');
    return parsed.json;
  }

  /**
   * The form fields of an `application/x-www-form-urlencoded` or `multipart/form-data` body, as a
   * null-prototype object with bracket names expanded (`user[name]` → `{ user: { name } }`, a
   * repeated name → a list). Empty when the request has no body. Files are in {@link Request.files}.
   * @throws {UnsupportedMediaType} (415) for a body of another type or a malformed `Content-Type`
   * @throws {BadRequest} (400) for a `__proto__`/`constructor`/`prototype` segment, a name nested
   *   deeper than `maxDepth`, an index above `maxArrayIndex`, a malformed body
   * @throws {RequestEntityTooLarge} (413) above a size or count limit
   * @example
   * app.post('/profile', async (req) => { const form = await req.form(); return { name: form.name }; });
   */
  async form(): Promise<FormObject> {
    const parsed = await this.loadFormBody();
    return parsed.form ?? (Object.create(null) as FormObject);
  }

  /**
   * Uploaded files of a `multipart/form-data` body by field name (null-prototype; each value a
   * list, in arrival order). Empty for a urlencoded body or no body. Temporary files are removed
   * after the response: `save()` what you keep.
   * @throws as {@link Request.form}
   * @example
   * const avatar = (await req.files()).avatar?.[0];
   * if (avatar) await avatar.save(join(uploads, avatar.filename));
   */
  async files(): Promise<FileMap> {
    const parsed = await this.loadFormBody();
    return parsed.files ?? (Object.create(null) as FileMap);
  }

  private async loadFormBody(): Promise<ParsedBody> {
    const mt = this.mediaType;
    if (mt !== undefined && !isUrlEncoded(mt) && !isMultipart(mt)) throw notForm();
    const parsed = await this.loadBody();
    if (mt === undefined && parsed.raw !== undefined && parsed.raw.length > 0) throw notForm();
    return parsed;
  }
}

const EMPTY = Buffer.alloc(0);

function notForm(): UnsupportedMediaType {
  return new UnsupportedMediaType('Expected a form body (application/x-www-form-urlencoded or multipart/form-data).');
}
