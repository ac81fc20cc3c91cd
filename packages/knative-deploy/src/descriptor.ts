import { badInput, readDescriptor, type Runner } from '@iwp/core';
import { type Metric, type ServiceSpec } from './spec.js';
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

const KEYS = ['name', 'namespace', 'image', 'env', 'port', 'scale', 'concurrencyLimit', 'resources', 'traffic', 'labels', 'annotations'];
const SCALE = { min: 'minScale', max: 'maxScale', initial: 'initialScale', target: 'target', metric: 'metric', utilization: 'utilization', window: 'window', retention: 'scaleToZeroRetention' } as const;

function strings(v: unknown, field: string): Record<string, string> {
  if (!isObj(v)) throw badInput(field, 'an attribute set of strings', v);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string' && typeof x !== 'number') throw badInput(`${field}.${k}`, 'a string', x);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

function num(v: unknown, field: string): number {
  if (typeof v !== 'number') throw badInput(field, 'a number', v);
  return v;
}

function declaration(v: unknown, field: string, defaultName?: string): ServiceDeclaration {
  if (!isObj(v)) throw badInput(field, 'an attribute set describing a service', v);
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) throw badInput(`${field}.${k}`, `one of ${KEYS.join(', ')}`, k);
  const name = v.name ?? defaultName;
  if (typeof name !== 'string') throw badInput(`${field}.name`, 'a string', name);
  const spec: ServiceDeclaration['spec'] = { name };
  if (v.namespace !== undefined) spec.namespace = String(v.namespace);
  if (v.image !== undefined) {
    if (typeof v.image !== 'string') throw badInput(`${field}.image`, 'an image reference', v.image);
    spec.image = v.image;
  }
  if (v.env !== undefined) spec.env = strings(v.env, `${field}.env`);
  if (v.port !== undefined) spec.port = num(v.port, `${field}.port`);
  if (v.concurrencyLimit !== undefined) spec.concurrencyLimit = num(v.concurrencyLimit, `${field}.concurrencyLimit`);
  if (v.labels !== undefined) spec.labels = strings(v.labels, `${field}.labels`);
  if (v.annotations !== undefined) spec.annotations = strings(v.annotations, `${field}.annotations`);
  if (v.scale !== undefined) {
    if (!isObj(v.scale)) throw badInput(`${field}.scale`, `an attribute set of ${Object.keys(SCALE).join(', ')}`, v.scale);
    for (const [k, x] of Object.entries(v.scale)) {
      const to = SCALE[k as keyof typeof SCALE];
      if (!to) throw badInput(`${field}.scale.${k}`, `one of ${Object.keys(SCALE).join(', ')}`, k);
      if (to === 'metric') spec.metric = String(x) as Metric;
      else if (to === 'window' || to === 'scaleToZeroRetention') spec[to] = typeof x === 'number' ? `${x}s` : String(x);
      else spec[to] = num(x, `${field}.scale.${k}`);
    }
  }
  if (v.resources !== undefined) {
    if (!isObj(v.resources)) throw badInput(`${field}.resources`, 'an attribute set with requests and limits', v.resources);
    if (v.resources.requests !== undefined) spec.requests = strings(v.resources.requests, `${field}.resources.requests`);
    if (v.resources.limits !== undefined) spec.limits = strings(v.resources.limits, `${field}.resources.limits`);
  }
  const traffic: TrafficFlags = {};
  if (v.traffic !== undefined) {
    if (!Array.isArray(v.traffic)) throw badInput(`${field}.traffic`, 'a list of { revision | latest = true; percent; tag; }', v.traffic);
    traffic.traffic = [];
    traffic.tag = [];
    v.traffic.forEach((t, i) => {
      const f = `${field}.traffic[${i}]`;
      if (!isObj(t)) throw badInput(f, 'an attribute set { revision | latest = true; percent; tag; }', t);
      const ref = t.latest === true ? '@latest' : t.revision;
      if (typeof ref !== 'string') throw badInput(`${f}.revision`, 'a revision name, or latest = true', ref);
      traffic.traffic!.push(`${ref}=${num(t.percent ?? 0, `${f}.percent`)}`);
      if (t.tag !== undefined) traffic.tag!.push(`${ref}=${String(t.tag)}`);
    });
  }
  return { spec, traffic, field };
}

/**
 * The services a descriptor declares: one service (`{ name = "hello"; image = ...; }`), a
 * list of them, or `{ services = { hello = {...}; ... }; }` / `{ services = [ ... ]; }`
 * (attribute names are default service names). Nix files are evaluated with
 * nix-instantiate; errors name the file and the field.
 */
export async function loadServices(run: Runner, path: string): Promise<ServiceDeclaration[]> {
  const value = await readDescriptor(run, path, 'service descriptor:');
  const src = `-f ${path}`;
  const all = isObj(value) && 'services' in value ? value.services : value;
  let out: ServiceDeclaration[];
  if (Array.isArray(all)) out = all.map((v, i) => declaration(v, `${src}: services[${i}]`));
  else if (isObj(all) && !('name' in all) && Object.values(all).every(isObj) && Object.keys(all).length) {
    out = Object.entries(all).map(([k, v]) => declaration(v, `${src}: services.${k}`, k));
  } else out = [declaration(all, src)];
  if (out.length === 0) throw badInput(src, 'at least one service', 'an empty list');
  const names = new Set<string>();
  for (const d of out) {
    const k = `${d.spec.namespace ?? ''}/${d.spec.name}`;
    if (names.has(k)) throw badInput(`${d.field}.name`, 'a name used once', d.spec.name);
    names.add(k);
  }
  return out;
}
