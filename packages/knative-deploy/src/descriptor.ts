import { badInput, readDescriptor, ServiceDescriptor, validateValue, type Runner } from '@iwp/core';
import type { ServiceSpec } from './spec.js';
import type { TrafficFlags } from './traffic.js';

/** A service as a descriptor declares it (nix/services/*.nix); see the README. */
export interface ServiceDeclaration {
  spec: Omit<ServiceSpec, 'traffic' | 'namespace' | 'image'> & { namespace?: string; image?: string };
  traffic: TrafficFlags;
  /** where it came from, for error messages: `-f FILE: services.hello` */
  field: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (r: Record<string, string | number> | undefined) => (r ? Object.fromEntries(Object.entries(r).map(([k, x]) => [k, String(x)])) : undefined);
const seconds = (d: string | number | undefined) => (typeof d === 'number' ? `${d}s` : d);
const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;

/** The spec and traffic flags of one entry, checked against core's `ServiceDescriptor` schema. */
function declaration(v: unknown, source: string, at: string, defaultName?: string): ServiceDeclaration {
  const d = validateValue(ServiceDescriptor, isObj(v) && defaultName !== undefined ? { name: defaultName, ...v } : v, source, at);
  const s = d.scale ?? {};
  const spec: ServiceDeclaration['spec'] = defined({
    name: d.name, namespace: d.namespace, image: d.image, env: text(d.env), port: d.port, concurrencyLimit: d.concurrencyLimit,
    labels: text(d.labels), annotations: text(d.annotations), requests: text(d.resources?.requests), limits: text(d.resources?.limits),
    minScale: s.min, maxScale: s.max, initialScale: s.initial, target: s.target, metric: s.metric, utilization: s.utilization,
    window: seconds(s.window), scaleToZeroRetention: seconds(s.retention),
  });
  const traffic: TrafficFlags = {};
  if (d.traffic) {
    const refs = d.traffic.map((t, i) => {
      const ref = t.latest === true ? '@latest' : t.revision;
      if (ref === undefined) throw badInput(`${source}: ${at ? `${at}.` : ''}traffic[${i}].revision`, 'a revision name, or latest = true');
      return ref;
    });
    traffic.traffic = d.traffic.map((t, i) => `${refs[i]}=${t.percent ?? 0}`);
    traffic.tag = d.traffic.flatMap((t, i) => (t.tag === undefined ? [] : [`${refs[i]}=${t.tag}`]));
  }
  return { spec, traffic, field: at ? `${source}: ${at}` : source };
}

/**
 * The services a descriptor declares: one service (`{ name = "hello"; image = ...; }`), a
 * list of them, or `{ services = { hello = {...}; ... }; }` / `{ services = [ ... ]; }`
 * (attribute names are default service names). Nix files are evaluated with
 * nix-instantiate; each service is checked against core's `ServiceDescriptor` schema, and
 * errors name the file and the field (`-f FILE: services.hello.scale.min`), exit 2.
 */
export async function loadServices(run: Runner, path: string): Promise<ServiceDeclaration[]> {
  const value = await readDescriptor(run, path, 'service descriptor:');
  const src = `-f ${path}`;
  const all = isObj(value) && 'services' in value ? value.services : value;
  let out: ServiceDeclaration[];
  if (Array.isArray(all)) out = all.map((v, i) => declaration(v, src, `services[${i}]`));
  else if (isObj(all) && !('name' in all) && Object.values(all).every(isObj) && Object.keys(all).length) {
    out = Object.entries(all).map(([k, v]) => declaration(v, src, `services.${k}`, k));
  } else out = [declaration(all, src, '')];
  if (out.length === 0) throw badInput(src, 'at least one service', 'an empty list');
  const names = new Set<string>();
  for (const d of out) {
    const k = `${d.spec.namespace ?? ''}/${d.spec.name}`;
    if (names.has(k)) throw badInput(`${d.field}.name`, 'a name used once', d.spec.name);
    names.add(k);
  }
  return out;
}
