/**
 * Blueprints: groups of routes with a URL prefix, their own hooks and error handlers, nestable.
 * Endpoints are prefixed with the blueprint's name (`notes.show`); nested ones with every
 * parent's (`api.v1.users`). Hooks and error handlers of a blueprint apply only to its routes
 * (and its children's), as in Flask. Routing 404/405s belong to the app.
 *
 * @module
 */
import { Scaffold, SetupError, assertName } from './scaffold.ts';

/** Options for {@link Blueprint}. */
export interface BlueprintOptions {
  /** URL prefix for every rule, e.g. `/api`. Must start with `/`. */
  urlPrefix?: string;
  /** `false` exempts every route of the blueprint (and its children) from CSRF protection; listed by `phial routes`. */
  csrf?: false;
}

/**
 * A group of routes.
 *
 * @example
 * const api = new Blueprint('api', { urlPrefix: '/api' });
 * api.get('/notes/<int:id>', (req) => ({ id: req.params.id }));
 * app.registerBlueprint(api);
 * app.urlFor('api.show', { id: 1 }); // "/api/notes/1" when the view is named show
 */
export class Blueprint extends Scaffold {
  readonly urlPrefix: string;
  /** True when the blueprint was created with `csrf: false`. */
  readonly csrfExempt: boolean;
  private readonly parentScopes: Scaffold[] = [];

  constructor(name: string, options: BlueprintOptions = {}) {
    super(name);
    assertName('Blueprint', name);
    const prefix = options.urlPrefix ?? '';
    if (prefix !== '' && !prefix.startsWith('/')) {
      throw new SetupError('PHIAL_E_BAD_PREFIX', `urlPrefix must start with "/": ${JSON.stringify(prefix)}`);
    }
    this.urlPrefix = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    this.csrfExempt = options.csrf === false;
  }

  /** @internal called by registerBlueprint */
  attach(parent: Scaffold): void {
    this.parentScopes.push(parent);
  }

  /**
   * True once an app this blueprint is registered on, directly or through other blueprints, is
   * frozen: its setup is then closed too.
   */
  isFrozen(): boolean {
    return this.parentScopes.some((p) => (p as unknown as { isFrozen(): boolean }).isFrozen());
  }

  protected assertSetup(method: string): void {
    if (this.isFrozen()) {
      throw new SetupError('PHIAL_E_SETUP_FINISHED',
        `The setup method '${method}' can no longer be called on blueprint '${this.name}': the app already handled its first request.`);
    }
  }

  /** @internal */
  get registrationCount(): number { return this.parentScopes.length; }
}
