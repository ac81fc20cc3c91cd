import { badInput, type Runner } from '@iwp/core';
import { buildImage, type BuildOptions, type BuildResult } from './build.js';
import { buildableSystems, platformOf, type Platform } from './systems.js';

export interface SystemBuild {
  built: BuildResult;
  platform?: Platform;
}

/**
 * One build, or one per requested system that this nix can build (the others are reported
 * in `skipped`); none buildable is bad input naming what can be built.
 */
export async function buildForSystems(
  run: Runner,
  opts: Omit<BuildOptions, 'system'>,
  systems: string[],
  warn: (msg: string) => void,
): Promise<{ builds: SystemBuild[]; skipped: string[] }> {
  if (systems.length === 0) return { builds: [{ built: await buildImage(opts) }], skipped: [] };
  systems.forEach(platformOf);
  const { systems: can } = await buildableSystems(run);
  const builds: SystemBuild[] = [];
  const skipped: string[] = [];
  for (const s of systems) {
    if (can !== 'any' && !can.has(s)) {
      skipped.push(s);
      warn(`no builder for ${s} (this nix builds ${[...can].join(', ')}): skipped`);
      continue;
    }
    builds.push({ built: await buildImage({ ...opts, system: s }), platform: platformOf(s) });
  }
  if (builds.length === 0) throw badInput('--system', `a system this nix can build for (${can === 'any' ? 'any' : [...can].join(', ')})`, systems.join(' '));
  return { builds, skipped };
}
