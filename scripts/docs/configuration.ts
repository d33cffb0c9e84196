/**
 * Renders `docs/configuration.md` from the settings table (`src/config/settings.ts`). The output
 * is deterministic (table order), so a test can compare it with the committed file.
 *
 * @module
 */
import { APP_OPTIONS, OTHER_VARIABLES, SETTING_SECTIONS, SETTINGS, type Setting } from '../../src/config/settings.ts';

/** Escapes the characters that would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function variables(s: Setting): string {
  if (s.env.length === 0) return 'code only';
  return s.env.map((v) => `\`${v}\``).join(', ');
}

const INTRO = `# Configuration

<!-- Generated from src/config/settings.ts by \`node --import tsx scripts/gen-docs.ts\`; do not edit. -->

A Phial app is configured by constructor options and \`PHIAL_*\` environment variables, resolved
once at startup into the frozen \`app.config\`:

\`\`\`ts
export const app = new Phial({ name: 'notes', rootPath: import.meta.dirname, origin: 'https://notes.example' });
\`\`\`

- **Precedence**, lowest to highest: the default < the option < the variables of the setting, in
  the order listed (\`PHIAL_PORT\` before \`PORT\`). Deploy settings belong to the deployment: one
  image runs unchanged everywhere (Flask calls \`from_prefixed_env()\` after the code's config).
- **An empty variable counts as unset** (Compose and Kubernetes write \`VAR=\` for "not set").
- **Every value is checked**, the option even when a variable overrides it; a bad one stops the
  start with a \`ConfigError\` naming the option or variable and the value (never a secret's):
  \`PHIAL_PORT: expected an integer from 0 to 65535, got "80a" [PHIAL_E_BAD_VALUE]\`.
- **Unknown names are errors**: an option key or a \`PHIAL_*\` variable that no setting reads is
  refused with the closest known one (\`PHIAL_SECRET_KYE: … did you mean PHIAL_SECRET_KEY?
  [PHIAL_E_UNKNOWN_SETTING]\`), so a typo never falls back to a default silently. The variables of
  other Phial tools are known too (see the end of this page).
- **Secrets from files**: \`PHIAL_SECRET_KEY_FILE\` and \`PHIAL_SECRET_KEY_FALLBACKS_FILE\` name a
  file (Kubernetes or Docker secret) whose content, minus trailing newlines, is the value; a
  variable and its \`_FILE\` twin together are refused (\`PHIAL_E_CONFLICT\`).
- **Production is explicit**: \`PHIAL_ENV=production\` or \`env: 'production'\`. Then debug, a
  missing, short or placeholder secret key, and (at \`listen()\`) a public bind without
  \`trustedHosts\` are refused. Every error code: \`docs/errors.md\`.
`;

const APP_SETTINGS = `## The app's own settings [\`app.config['UPLOAD_FOLDER']\`]

An app keeps its own settings in \`app.settings\`, typed by declaring them on \`AppSettings\`. The
\`settings\` option gives their values in code (Flask's \`app.config.from_mapping\`); \`settingsEnv\`
lets the deployment override the ones it lists, each with a parser (Flask's
\`app.config.from_prefixed_env()\`, but with a parser per setting instead of guessing by JSON):

\`\`\`ts
import { Phial, envParsers } from 'phial';

declare module 'phial' {
  interface AppSettings { uploadFolder: string; pageSize: number; adminEmail: string | undefined }
}

export const app = new Phial({
  name: 'notes',
  settings: { uploadFolder: 'uploads', pageSize: 20, adminEmail: undefined },
  settingsEnv: {
    prefix: 'NOTES_',                                  // NOTES_PAGE_SIZE, NOTES_ADMIN_EMAIL
    parse: { pageSize: envParsers.integer(1, 500), adminEmail: envParsers.string },
  },
});

app.settings.pageSize; // number, frozen
\`\`\`

- The variable of a setting is the prefix and its name in upper snake case (\`pageSize\` →
  \`NOTES_PAGE_SIZE\`). The prefix ends in \`_\`; \`PHIAL_\` (Phial's own) and \`NODE_\` are refused.
- Parsers: \`envParsers.string\`, \`integer(min, max)\`, \`number(min, max)\`, \`boolean\` (\`1\`,
  \`true\`, \`0\`, \`false\`), \`list\` (comma list), \`oneOf('a', 'b')\`, \`url\` (http(s)), \`json\`, or
  any \`(raw, variable) => value\` that throws to refuse a value.
- A refused value is a \`ConfigError\` \`PHIAL_E_BAD_VALUE\` naming the variable, the parser's
  reason and the value; the value is left out when the name looks secret (\`KEY\`, \`AUTH\`, \`TOKEN\`,
  \`SECRET\`, \`PASS\`, \`API\`, \`SIGNATURE\`, Django's rule for its debug page).
- A non-empty variable with the prefix that no parser reads is \`PHIAL_E_UNKNOWN_SETTING\` (with
  the closest declared one, or a note that the setting is set in code only); a setting listed in
  \`parse\` with neither a value in \`settings\` nor its variable is \`PHIAL_E_SETTING_MISSING\` (give
  an optional one as \`undefined\`).
`;

/** The full text of `docs/configuration.md`. */
export function renderConfigurationDoc(): string {
  const out: string[] = [INTRO];
  for (const [section, title] of Object.entries(SETTING_SECTIONS)) {
    const rows = SETTINGS.filter((s) => s.section === section);
    if (section === 'app') continue; // documented in prose below, with the example
    out.push(`## ${title}`, '', '| option | variables | default | accepts | meaning |', '|---|---|---|---|---|');
    for (const s of rows) {
      out.push(`| \`${s.option}\` | ${variables(s)} | ${cell(s.defaultDoc)} | ${cell(s.accepts)} | ${cell(s.doc)} |`);
    }
    out.push('');
  }
  out.push(APP_SETTINGS);
  out.push('## Options of `Phial` that are not settings', '', '| option | meaning |', '|---|---|');
  for (const [option, doc] of APP_OPTIONS) out.push(`| \`${option}\` | ${cell(doc)} |`);
  out.push('');
  out.push('## Other variables', '',
    'Read by other parts of Phial, not by the configuration; known names, so they never trip the',
    'unknown-variable check. `DATABASE_URL` and `DATABASE_URL_FILE` (`phial/db`, `docs/database.md`)',
    'and `NODE_ENV` (never read as the environment; see `env`) are read too.', '',
    '| variable | read by | meaning |', '|---|---|---|');
  for (const [variable, readBy, doc] of OTHER_VARIABLES) out.push(`| \`${variable}\` | ${readBy} | ${cell(doc)} |`);
  out.push('');
  return out.join('\n');
}
