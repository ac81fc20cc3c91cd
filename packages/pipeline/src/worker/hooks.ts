/**
 * ESM resolve hook of the pipeline worker: `@brigadecore/brigadier` (and its subpaths)
 * resolve to iwp's implementation, before any node_modules lookup, so a script written for
 * Brigade runs unchanged even where the real package is installed beside it.
 */
interface ResolveContext { conditions: string[]; parentURL?: string; data?: unknown }
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string; shortCircuit?: boolean }>;

let target = '';

export function initialize(data: { target: string }): void {
  target = data.target;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  if (specifier === '@brigadecore/brigadier' || specifier.startsWith('@brigadecore/brigadier/')) {
    return { url: target, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
