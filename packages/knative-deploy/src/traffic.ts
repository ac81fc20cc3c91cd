import { badInput, type TrafficTarget } from '@iwp/core';
import { DNS_LABEL } from './spec.js';

/** One entry of a Knative Service's spec.traffic: core's document type (the document copies status.traffic). */
export type { TrafficTarget };

/** `kn`'s traffic flags: `--traffic REF=PCT,...`, `--tag REF=TAG`, `--untag TAG`. */
export interface TrafficFlags {
  traffic?: string[];
  tag?: string[];
  untag?: string[];
}

const LATEST = '@latest';
type Ref = { latest: true } | { revision: string };

const split = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
const sameRef = (t: TrafficTarget, r: Ref) => ('latest' in r ? t.latestRevision === true : t.revisionName === r.revision && !t.latestRevision);
const refName = (r: Ref) => ('latest' in r ? LATEST : r.revision);

export function hasTrafficFlags(f: TrafficFlags): boolean {
  return Boolean(f.traffic?.length || f.tag?.length || f.untag?.length);
}

/**
 * The traffic block after applying kn-style flags to `current` (undefined: a new declaration,
 * starting from nothing). Refs are `@latest`, a revision name or a tag of `current`; a
 * revision must be one of `revisions` when that list is given. Targets named by `--traffic`
 * get their percent; targets it leaves out are dropped unless tagged (kept at 0%). Sums must
 * be 100; every problem is bad input naming the flag, found before anything is sent.
 */
export function planTraffic(current: TrafficTarget[] | undefined, f: TrafficFlags, revisions?: string[]): TrafficTarget[] {
  let out: TrafficTarget[] = (current ?? []).map((t) => ({ ...t }));
  const resolve = (flag: string, name: string, allowTags: boolean): Ref => {
    if (name === LATEST) return { latest: true };
    const tagged = allowTags ? out.find((t) => t.tag === name) ?? current?.find((t) => t.tag === name) : undefined;
    if (tagged) return tagged.latestRevision ? { latest: true } : { revision: tagged.revisionName! };
    if (!DNS_LABEL.test(name)) throw badInput(flag, `${LATEST}, a revision name${allowTags ? ' or a tag' : ''}`, name);
    if (revisions && !revisions.includes(name)) {
      throw badInput(flag, `an existing revision (${revisions.length ? revisions.join(', ') : 'the service has none yet'}) or ${LATEST}`, name);
    }
    return { revision: name };
  };

  const pairs = split(f.traffic);
  if (pairs.length) {
    const next: TrafficTarget[] = [];
    for (const p of pairs) {
      const m = /^([^=]+)=(\d{1,3})%?$/.exec(p);
      if (!m || Number(m[2]) > 100) throw badInput('--traffic', 'REVISION=PERCENT, TAG=PERCENT or @latest=PERCENT with a percent from 0 to 100', p);
      const ref = resolve('--traffic', m[1]!, true);
      if (next.some((t) => sameRef(t, ref))) throw badInput('--traffic', 'each revision at most once', refName(ref));
      const old = out.find((t) => sameRef(t, ref) && t.tag);
      next.push({ ...('latest' in ref ? { latestRevision: true } : { revisionName: ref.revision, latestRevision: false }), percent: Number(m[2]), ...(old?.tag ? { tag: old.tag } : {}) });
    }
    const sum = next.reduce((a, t) => a + (t.percent ?? 0), 0);
    if (sum !== 100) throw badInput('--traffic', 'percentages that add up to 100', sum);
    for (const t of out) if (t.tag && !next.some((n) => n.tag === t.tag)) next.push({ ...t, percent: 0 });
    out = next;
  } else if (!current) {
    out = [{ latestRevision: true, percent: 100 }];
  }

  for (const tag of split(f.untag)) {
    const t = out.find((x) => x.tag === tag);
    if (!t) throw badInput('--untag', `a tag of the service (${out.filter((x) => x.tag).map((x) => x.tag).join(', ') || 'none'})`, tag);
    delete t.tag;
  }
  for (const pair of split(f.tag)) {
    const m = /^([^=]+)=(.+)$/.exec(pair);
    if (!m || !DNS_LABEL.test(m[2]!)) throw badInput('--tag', 'REVISION=TAG or @latest=TAG, the tag a DNS label', pair);
    const ref = resolve('--tag', m[1]!, false);
    const tag = m[2]!;
    if (out.some((t) => t.tag === tag && !sameRef(t, ref))) throw badInput('--tag', `a tag not in use (untag ${tag} first with --untag ${tag})`, tag);
    const target = out.find((t) => sameRef(t, ref) && (!t.tag || t.tag === tag)) ;
    if (target) target.tag = tag;
    else out.push({ ...('latest' in ref ? { latestRevision: true } : { revisionName: ref.revision, latestRevision: false }), percent: 0, tag });
  }
  // a 0% target without a tag routes nothing and names nothing: drop it, as kn does
  return out.filter((t) => (t.percent ?? 0) > 0 || t.tag);
}

/** Revisions named in a traffic block (not @latest). */
export function revisionsIn(traffic: TrafficTarget[]): string[] {
  return traffic.filter((t) => !t.latestRevision && t.revisionName).map((t) => t.revisionName!);
}
