// @ts-check
/**
 * Local ESLint rules that keep the source tree layered (docs/architecture.md, "Layers"):
 *
 * - `phial/layers`: a folder of the source root imports only from folders in lower layers (or
 *   from itself). An import upward, or sideways into another folder of the same layer, is
 *   reported with both folders and their layers. Type-only imports, `export … from`, dynamic
 *   `import()` and `import('…').T` types count: a type import is a dependency too, and is the
 *   first step to a value import.
 * - `phial/no-cycles`: no cycle of relative imports between files of the source root. The graph
 *   is built from the files on disk (the file being linted from its AST, so an editor sees its
 *   unsaved text), so a cycle is found whichever of its files is linted.
 *
 * - `phial/explicit-exports`: no `export * from`. A public entry lists what it exports, so a
 *   helper added to a module later does not become public API by accident.
 *
 * Only relative specifiers are followed: packages are outside the layering.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The folder name used in the layer table for files directly in the root (`src/index.ts`). */
export const ROOT_FILES = '.';

/**
 * @param {string} root
 * @param {string} file
 * @returns {string | null} the top folder of `file` under `root`, {@link ROOT_FILES}, or null outside
 */
function folderOf(root, file) {
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? ROOT_FILES : /** @type {string} */ (parts[0]);
}

/** @param {string} p */
const posix = (p) => p.split(sep).join('/');

/**
 * @param {string} folder
 * @param {string} file
 */
const label = (folder, file) => (folder === ROOT_FILES ? file.split(sep).pop() ?? file : `${folder}/`);

/**
 * The module specifier of an import-like node, when it is a string literal.
 * @param {any} node
 * @returns {{ spec: string, at: any } | null}
 */
function specifierOf(node) {
  /** @type {any} */
  let lit;
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression':
      lit = node.source;
      break;
    case 'TSImportType':
      // typescript-eslint 6+: argument is a TSLiteralType wrapping the literal.
      lit = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument;
      break;
    case 'TSExternalModuleReference':
      lit = node.expression;
      break;
    default:
      return null;
  }
  if (!lit || lit.type !== 'Literal' || typeof lit.value !== 'string') return null;
  return { spec: lit.value, at: lit };
}

const IMPORT_NODES = ['ImportDeclaration', 'ExportAllDeclaration', 'ExportNamedDeclaration', 'ImportExpression', 'TSImportType', 'TSExternalModuleReference'];

/**
 * Calls `visit` for every relative import of the file being linted.
 * @param {(spec: string, at: any) => void} visit
 */
function importVisitors(visit) {
  /** @type {Record<string, (node: any) => void>} */
  const visitors = {};
  for (const type of IMPORT_NODES) {
    visitors[type] = (node) => {
      const s = specifierOf(node);
      if (s && s.spec.startsWith('.')) visit(s.spec, s.at);
    };
  }
  return visitors;
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'A folder imports only from folders in lower layers (or itself).' },
    schema: [{
      type: 'object',
      additionalProperties: false,
      required: ['layers'],
      properties: {
        root: { type: 'string' },
        layers: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
        allow: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
        pendingExceptions: {
          type: 'array',
          items: {
            type: 'object', additionalProperties: false, required: ['from', 'to'],
            properties: { from: { type: 'string' }, to: { type: 'string' }, why: { type: 'string' } },
          },
        },
      },
    }],
    messages: {
      upward: "{{from}} imports {{to}}: '{{fromFolder}}' is layer {{fromLayer}} and '{{toFolder}}' is layer {{toLayer}}, a higher one. A folder imports only from lower layers; move the shared code down.",
      sideways: "{{from}} imports {{to}}: '{{fromFolder}}' and '{{toFolder}}' are both layer {{fromLayer}}. Folders of one layer do not import each other; move the shared code down.",
      unknownFolder: "'{{folder}}' ({{file}}) is in no layer: add it to the layer table in eslint.config.js and docs/architecture.md.",
      outside: '{{from}} imports {{to}}, outside {{root}}/.',
      staleException: 'The pending exception {{from}} → {{to}} is no longer needed: delete it from pendingExceptions.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const cwd = context.cwd;
    const root = resolve(cwd, options.root ?? 'src');
    const file = context.physicalFilename;
    const fromFolder = folderOf(root, file);
    if (fromFolder === null) return {};
    /** @type {Map<string, number>} */
    const layerOf = new Map();
    /** @type {string[][]} */ (options.layers).forEach((folders, i) => { for (const f of folders) layerOf.set(f, i); });
    const allowed = new Set((options.allow ?? []).map((/** @type {string[]} */ p) => `${p[0]}>${p[1]}`));
    const fromRel = posix(relative(cwd, file));
    /** @type {{ from: string, to: string }[]} */
    const pending = (options.pendingExceptions ?? []).filter((/** @type {{ from: string }} */ e) => e.from === fromRel);
    const used = new Set();
    const fromLayer = layerOf.get(fromFolder);

    return {
      Program(node) {
        if (fromLayer === undefined) context.report({ node, messageId: 'unknownFolder', data: { folder: fromFolder, file: fromRel } });
      },
      ...importVisitors((spec, at) => {
        if (fromLayer === undefined) return;
        const target = resolve(dirname(file), spec);
        const toRel = posix(relative(cwd, target));
        const toFolder = folderOf(root, target);
        if (toFolder === null) {
          context.report({ node: at, messageId: 'outside', data: { from: fromRel, to: toRel, root: posix(relative(cwd, root)) } });
          return;
        }
        if (toFolder === fromFolder) return;
        const toLayer = layerOf.get(toFolder);
        if (toLayer === undefined) {
          context.report({ node: at, messageId: 'unknownFolder', data: { folder: toFolder, file: toRel } });
          return;
        }
        if (toLayer < fromLayer || allowed.has(`${fromFolder}>${toFolder}`)) return;
        const exception = pending.find((e) => e.to === toRel);
        if (exception) { used.add(exception); return; }
        context.report({
          node: at,
          messageId: toLayer > fromLayer ? 'upward' : 'sideways',
          data: {
            from: fromRel, to: toRel, fromFolder: label(fromFolder, file), toFolder: label(toFolder, target),
            fromLayer: String(fromLayer), toLayer: String(toLayer),
          },
        });
      }),
      'Program:exit'(node) {
        for (const e of pending) if (!used.has(e)) context.report({ node, messageId: 'staleException', data: { from: e.from, to: e.to } });
      },
    };
  },
};

/**
 * Relative imports of files on disk, remembered by path and checked against the file's mtime and
 * size, so a long-running ESLint (an editor) sees edits.
 * @type {Map<string, { mtimeMs: number, size: number, deps: string[] }>}
 */
const diskGraph = new Map();

/**
 * @param {string} from the importing file
 * @param {string} spec a relative specifier
 * @returns {string | null} the file it names, if it exists
 */
function resolveFile(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, resolve(base, 'index.ts')]) {
    try { if (statSync(candidate).isFile()) return candidate; } catch { /* try the next form */ }
  }
  return null;
}

/**
 * @param {string} file
 * @returns {string[]} the existing files `file` imports relatively
 */
function depsOnDisk(file) {
  let st;
  try { st = statSync(file); } catch { return []; }
  const hit = diskGraph.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.deps;
  const text = readFileSync(file, 'utf8');
  // preProcessFile finds import/export-from, import type, import() and import('…') types without a full parse.
  const deps = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = resolveFile(file, ref.fileName);
    if (target !== null) deps.push(target);
  }
  diskGraph.set(file, { mtimeMs: st.mtimeMs, size: st.size, deps });
  return deps;
}

/**
 * Shortest import path from `start` back to `goal` inside `root`, breadth first.
 * @param {string} start
 * @param {string} goal
 * @param {string} root
 * @returns {string[] | null} `[start, …, goal]`
 */
function pathBack(start, goal, root) {
  /** @type {Map<string, string | null>} */
  const parent = new Map([[start, null]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = /** @type {string} */ (queue[i]);
    if (at === goal) {
      const path = [];
      for (let p = /** @type {string | null} */ (at); p !== null; p = parent.get(p) ?? null) path.unshift(p);
      return path;
    }
    for (const next of depsOnDisk(at)) {
      if (parent.has(next) || folderOf(root, next) === null) continue;
      parent.set(next, at);
      queue.push(next);
    }
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const noCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles between files of the source root.' },
    schema: [{ type: 'object', additionalProperties: false, properties: { root: { type: 'string' } } }],
    messages: { cycle: 'Import cycle: {{path}}. Move what both sides need into a module they can both import.' },
  },
  create(context) {
    const root = resolve(context.cwd, context.options[0]?.root ?? 'src');
    const file = context.physicalFilename;
    if (folderOf(root, file) === null) return {};
    const seen = new Set();
    return importVisitors((spec, at) => {
      const target = resolveFile(file, spec);
      if (target === null || target === file || seen.has(target) || folderOf(root, target) === null) return;
      seen.add(target);
      // The rest of the cycle comes from disk; `file` itself is the goal, so its own edges are these.
      const back = pathBack(target, file, root);
      if (back === null) return;
      const path = [file, ...back].map((p) => posix(relative(root, p))).join(' → ');
      context.report({ node: at, messageId: 'cycle', data: { path } });
    });
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const explicitExports = {
  meta: {
    type: 'problem',
    docs: { description: 'Re-exports name what they export.' },
    schema: [],
    messages: { star: "List the names instead of `export * from '{{from}}'`: every export of that module, and any added later, would become part of this one." },
  },
  create(context) {
    return {
      ExportAllDeclaration(node) {
        context.report({ node, messageId: 'star', data: { from: String(node.source.value) } });
      },
    };
  },
};

/** The plugin, registered as `phial` in eslint.config.js. */
export default {
  meta: { name: 'phial-layers' },
  rules: { layers, 'no-cycles': noCycles, 'explicit-exports': explicitExports },
};
