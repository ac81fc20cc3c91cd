import type { PathInfo } from './spec.js';

/**
 * Groups a closure into layers by popularity, as nixpkgs' dockerTools does: a path that many
 * other paths (transitively) depend on changes rarely and is shared by many images, so it
 * gets its own layer early; the least popular paths are merged into the last store layer so
 * there are at most `maxStoreLayers` groups. Ties break by path so the result is stable.
 */
export function popularityLayers(infos: PathInfo[], maxStoreLayers: number): string[][] {
  const byPath = new Map(infos.map((i) => [i.path, i]));
  const referrers = new Map<string, Set<string>>();
  for (const i of infos) referrers.set(i.path, new Set());
  for (const i of infos) for (const r of i.references) referrers.get(r)?.add(i.path);
  // popularity = number of paths that reach this one through references
  const popularity = new Map<string, number>();
  for (const p of byPath.keys()) {
    const seen = new Set<string>();
    const stack = [...(referrers.get(p) ?? [])];
    while (stack.length) {
      const q = stack.pop()!;
      if (seen.has(q)) continue;
      seen.add(q);
      stack.push(...(referrers.get(q) ?? []));
    }
    popularity.set(p, seen.size);
  }
  const ordered = [...byPath.keys()].sort((a, b) => popularity.get(b)! - popularity.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  if (maxStoreLayers < 1) return [ordered];
  const head = ordered.slice(0, maxStoreLayers - 1).map((p) => [p]);
  const tail = ordered.slice(maxStoreLayers - 1);
  return tail.length ? [...head, tail.sort()] : head;
}

/** `/nix/store/<hash>-node-20.11.1` -> `node-20.11.1`: what a path is, whatever its hash. */
export function pathName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1).slice(33);
}

/**
 * Layers that follow a lock: each locked group keeps its place, holding this closure's paths
 * of the same names (a path rebuilt with a new hash stays in its layer); paths the lock does
 * not know are layered by popularity in the layers left. At most `maxStoreLayers` groups.
 */
export function lockedLayers(infos: PathInfo[], locked: string[][], maxStoreLayers: number): string[][] {
  const byName = new Map<string, string[]>();
  for (const i of infos) byName.set(pathName(i.path), [...(byName.get(pathName(i.path)) ?? []), i.path]);
  const assigned = new Set<string>();
  const groups: string[][] = [];
  for (const names of locked) {
    const g = names.flatMap((n) => byName.get(n) ?? []).filter((p) => !assigned.has(p));
    if (!g.length) continue;
    g.forEach((p) => assigned.add(p));
    groups.push(g.sort());
  }
  const rest = infos.filter((i) => !assigned.has(i.path));
  if (!rest.length) return groups;
  const budget = maxStoreLayers - groups.length;
  if (budget < 1) {
    groups[groups.length - 1] = [...groups[groups.length - 1]!, ...rest.map((i) => i.path)].sort();
    return groups;
  }
  return [...groups, ...popularityLayers(rest, budget)];
}
