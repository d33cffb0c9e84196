/**
 * Request steps: the protective work that runs between routing and a route's before-request
 * hooks (CSRF checks, the body under its limits, the session, validation, and later rate limits
 * and login), compiled per route when the app is frozen.
 *
 * A module that owns a protection declares its step once ({@link StepDeclaration}); at freeze,
 * each declaration looks at every route and method class and says whether it runs there
 * ({@link StepDeclaration.build}). The dispatcher only runs the resulting ordered list, and takes
 * its synchronous fast path only when no step of that list applies to the request
 * ({@link firstApplicable}): no other condition can skip a step. This is the shape of Fastify's
 * per-route `onRequest`/`preHandler` arrays, and of Flask's `preprocess_request` made explicit.
 *
 * @module
 */
import type { Request } from '../http/request.ts';
import type { RouteOptions } from '../http/view.ts';
import { SetupError } from '../errors/setup-error.ts';
import type { RouteInputs } from './inputs.ts';

/**
 * The positions of the built-in steps. A step runs before every step with a higher position.
 * Extension steps take a free integer position between {@link STEP_POSITION_MIN} and
 * {@link STEP_POSITION_MAX}, e.g. `STEP_POSITIONS.session + 50` to run after the session is open.
 */
export const STEP_POSITIONS = Object.freeze({
  /** Rate limits and concurrency caps (`phial/limits`): before any work is spent on the request. */
  limits: 200,
  /** Fetch Metadata / `Origin` CSRF decision: headers only, before the body is read. */
  csrfOrigin: 300,
  /** The body, read whole under the route's limits. */
  body: 400,
  /** A server-side session read from its store. */
  session: 500,
  /** The CSRF synchronizer token, when the headers decided nothing. */
  csrfToken: 600,
  /** User, roles, freshness, second factor (`phial/auth`). */
  auth: 700,
  /** Standard Schema validation into `req.valid`. */
  validation: 800,
});

/** Lowest position an app or extension step may take (inclusive). */
export const STEP_POSITION_MIN = 201;
/** Highest position an app or extension step may take (inclusive). */
export const STEP_POSITION_MAX = 899;

/** A route as a step declaration sees it at freeze: one route and one method class. */
export interface RouteStepInfo {
  /** The full rule, e.g. `/api/notes/<int:id>`. */
  readonly rule: string;
  /** The endpoint, e.g. `api.note`. */
  readonly endpoint: string;
  /** Every method of the rule, upper case (HEAD and OPTIONS not added). */
  readonly methods: readonly string[];
  /**
   * Which requests this list is for: `true` for safe methods (GET, HEAD, OPTIONS, TRACE;
   * RFC 9110 §9.2.1), `false` for the unsafe ones. Each route has one list per class.
   */
  readonly safe: boolean;
  /** The route's own options. */
  readonly options: Readonly<RouteOptions>;
  /** The blueprint names of its chain, outermost first (empty for an app route). */
  readonly blueprints: readonly string[];
  /** The route or a blueprint of its chain says `csrf: false`. */
  readonly csrfExempt: boolean;
  /** Its accepted body types, limits and schemas. */
  readonly inputs: RouteInputs;
}

/** What a step does on one route. */
export interface StepRun {
  /**
   * Whether this request needs the step: cheap and synchronous (a header test), called before
   * the step would run. Absent: every request of the route runs it.
   */
  readonly appliesTo?: (req: Request) => boolean;
  /**
   * The step. It refuses a request by throwing (an `HTTPException` such as `Forbidden`, which
   * the app's error handlers then answer); anything else it throws is a 500.
   */
  readonly run: (req: Request) => void | Promise<void>;
}

/** A step as its owner declares it. */
export interface StepDeclaration {
  /** Unique, lower-case words joined by `-` (e.g. `csrf-origin`); `phial routes` prints it. */
  readonly name: string;
  /** The module that owns the rule the step enforces (e.g. `security`, `phial/limits`). */
  readonly owner: string;
  /** Where it runs: an integer; lower runs first (see {@link STEP_POSITIONS}). */
  readonly position: number;
  /** At freeze: this step's work on `route`, or `undefined` when it never applies there. */
  readonly build: (route: RouteStepInfo) => StepRun | undefined;
  /**
   * Route option names this step reads (e.g. `['limits']`), typed for apps by declaration
   * merging on `RouteOptions`. Any other unknown route option is a setup error.
   */
  readonly routeOptions?: readonly string[];
}

/** A step compiled onto one route. */
export interface CompiledStep extends StepRun {
  readonly name: string;
  readonly owner: string;
  readonly position: number;
}

const STEP_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const BUILTIN_POSITIONS = new Set<number>(Object.values(STEP_POSITIONS));

/**
 * Checks a declaration against the ones already registered.
 * @param builtin - true for Phial's own steps, which take the reserved {@link STEP_POSITIONS}
 * @throws {SetupError} `PHIAL_E_BAD_STEP` for a bad name, a duplicate name, a position that is
 *   not an integer in [{@link STEP_POSITION_MIN}, {@link STEP_POSITION_MAX}] (or a reserved one),
 *   a position another step holds, or a missing `build` function
 */
export function checkStepDeclaration(step: StepDeclaration, existing: readonly StepDeclaration[], builtin = false): void {
  const label = typeof step?.name === 'string' ? JSON.stringify(step.name) : String(step?.name);
  if (typeof step?.name !== 'string' || !STEP_NAME.test(step.name)) {
    throw new SetupError('PHIAL_E_BAD_STEP', `Step name ${label} must be lower-case words joined by "-" (e.g. "rate-limit")`);
  }
  if (typeof step.build !== 'function') throw new SetupError('PHIAL_E_BAD_STEP', `Step ${label} has no build function`);
  if (typeof step.owner !== 'string' || step.owner === '') throw new SetupError('PHIAL_E_BAD_STEP', `Step ${label} must name its owner module`);
  const p = step.position;
  const inRange = Number.isSafeInteger(p) && (builtin ? BUILTIN_POSITIONS.has(p) : p >= STEP_POSITION_MIN && p <= STEP_POSITION_MAX && !BUILTIN_POSITIONS.has(p));
  if (!inRange) {
    throw new SetupError('PHIAL_E_BAD_STEP',
      `Step ${label} has position ${String(p)}: use a free integer from ${STEP_POSITION_MIN} to ${STEP_POSITION_MAX} other than the built-in positions (${[...BUILTIN_POSITIONS].join(', ')})`);
  }
  for (const other of existing) {
    if (other.name === step.name) throw new SetupError('PHIAL_E_BAD_STEP', `Step ${label} is already registered`);
    if (other.position === p) throw new SetupError('PHIAL_E_BAD_STEP', `Step ${label} has position ${p}, which step "${other.name}" already holds`);
  }
}

/**
 * The ordered steps of one route and method class.
 * @throws {SetupError} `PHIAL_E_BAD_STEP` when a declaration's `build` returns something that is
 *   not a step run (no `run` function, or an `appliesTo` that is not a function)
 */
export function compileSteps(declarations: readonly StepDeclaration[], route: RouteStepInfo): readonly CompiledStep[] {
  const out: CompiledStep[] = [];
  for (const d of declarations) {
    const built = d.build(route);
    if (built === undefined) continue;
    if (typeof built !== 'object' || built === null || typeof built.run !== 'function' || (built.appliesTo !== undefined && typeof built.appliesTo !== 'function')) {
      throw new SetupError('PHIAL_E_BAD_STEP', `Step "${d.name}" built no { run, appliesTo? } for route ${route.rule}`);
    }
    out.push(Object.freeze({ name: d.name, owner: d.owner, position: d.position, run: built.run, ...(built.appliesTo ? { appliesTo: built.appliesTo } : {}) }));
  }
  out.sort((a, b) => a.position - b.position);
  return Object.freeze(out);
}

/**
 * The index of the first step that applies to `req`, or -1 when none does (the request may take
 * the fast path). A step can become applicable only through an earlier step that applied, so a
 * `-1` here stays true for the whole request.
 */
export function firstApplicable(steps: readonly CompiledStep[], req: Request): number {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.appliesTo === undefined || s.appliesTo(req)) return i;
  }
  return -1;
}

/** Runs `steps` from index `from` on, each only when it applies; a refusal throws. */
export async function runSteps(steps: readonly CompiledStep[], from: number, req: Request): Promise<void> {
  for (let i = from; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.appliesTo === undefined || s.appliesTo(req)) await s.run(req);
  }
}
