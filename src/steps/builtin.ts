/**
 * Phial's own request steps, in order: the CSRF header decision, the body, the server-side
 * session, the CSRF token and validation. Each is the request-path face of a rule owned by a
 * lower module (`security/csrf.ts`, `http/body/`, `sessions/`, `validation/`); this file only
 * says where each runs and on which routes.
 *
 * The CSRF decision is split so that the header half runs before the body: a cross-site unsafe
 * request is refused whatever its Content-Type, and its body is never parsed nor its files
 * written. Only a request whose headers decided nothing (no origin signal, ambient credentials)
 * goes on to the token half, after the body and session it needs.
 *
 * @module
 */
import type { Request } from '../http/request.ts';
import { hasBody, prepareBody, validateInputs } from './inputs.ts';
import type { SessionRuntime } from './sessions.ts';
import { STEP_POSITIONS, type StepDeclaration } from './step.ts';

/** What the built-in steps need from their app. */
export interface BuiltinStepContext {
  readonly sessions: SessionRuntime;
  /** The security log (a refused CSRF check is logged at warn level). */
  readonly warn: (event: object, msg: string) => void;
}

/** The names of the built-in steps, in order (the request-line and host check runs before routing). */
export const BUILTIN_STEP_NAMES = ['csrf-origin', 'body', 'session', 'csrf-token', 'validation'] as const;

/** The built-in step declarations of one app. */
export function builtinSteps(ctx: BuiltinStepContext): StepDeclaration[] {
  const { sessions } = ctx;
  const log = (event: object): void => ctx.warn(event, 'CSRF check refused a request');
  // Requests whose headers left the CSRF decision to the token: set by the first half, read by
  // the second, gone with the request.
  const tokenPending = new WeakSet<Request>();
  const protectedRoute = (r: { safe: boolean; csrfExempt: boolean }): boolean => !r.safe && !r.csrfExempt;
  return [
    {
      name: 'csrf-origin', owner: 'security', position: STEP_POSITIONS.csrfOrigin,
      build: (route) => protectedRoute(route) ? {
        run: (req) => { if (sessions.checkCsrfHeaders(req, log)) tokenPending.add(req); },
      } : undefined,
    },
    {
      name: 'body', owner: 'http', position: STEP_POSITIONS.body,
      build: (route) => ({
        appliesTo: (req) => hasBody(req.raw.headers),
        run: (req) => prepareBody(req, route.inputs),
      }),
    },
    {
      name: 'session', owner: 'sessions', position: STEP_POSITIONS.session,
      // Cookie sessions open synchronously on first access; only a store must be read first.
      build: () => sessions.iface.openSync === undefined ? {
        appliesTo: (req) => sessions.needsPreload(req.raw.headers.cookie),
        run: (req) => sessions.preload(req),
      } : undefined,
    },
    {
      name: 'csrf-token', owner: 'security', position: STEP_POSITIONS.csrfToken,
      build: (route) => protectedRoute(route) ? {
        appliesTo: (req) => tokenPending.has(req),
        run: (req) => sessions.checkCsrfToken(req, log),
      } : undefined,
    },
    {
      name: 'validation', owner: 'validation', position: STEP_POSITIONS.validation,
      build: (route) => route.inputs.schemas !== undefined ? { run: (req) => validateInputs(req, route.inputs) } : undefined,
    },
  ];
}
