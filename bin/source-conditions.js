// Module resolve hook for running Phial from a source checkout (see bin/phial.js): adds the
// `phial-source` export condition, which maps `phial` to src/*.ts instead of the absent dist/.
const CONDITION = 'phial-source';

export async function resolve(specifier, context, nextResolve) {
  if (context.conditions.includes(CONDITION)) return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, CONDITION] });
}
