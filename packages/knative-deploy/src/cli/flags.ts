import { Flags } from '@oclif/core';
import { badInput, readDocument, type Runner } from '@iwp/core';
import type { ServiceRequest } from '../apply.js';
import { loadServices } from '../descriptor.js';
import { imageFromDocument } from '../document.js';
import type { Metric, ServiceSpec } from '../spec.js';

export const namespaceFlag = {
  namespace: Flags.string({ char: 'n', description: 'namespace [default: default, or the descriptor\'s]' }),
};

export const trafficFlags = {
  traffic: Flags.string({ description: 'traffic split REF=PERCENT[,REF=PERCENT] where REF is a revision, a tag or @latest; must add up to 100', multiple: true }),
  tag: Flags.string({ description: 'tag a revision REF=TAG (REF a revision or @latest); the tag gets its own URL', multiple: true }),
};

const waitTimeout = () => Flags.string({ description: 'how long to wait (600s, 10m; a bare number is seconds)', default: '600s' });
const waitWindow = () => Flags.string({ description: 'how long Ready=False must last to count as a failure', default: '2s' });

export const waitFlags = {
  wait: Flags.boolean({ description: 'wait until Ready', default: true, allowNo: true }),
  'wait-timeout': waitTimeout(),
  'wait-window': waitWindow(),
};

/** `wait`'s own: --timeout and --wait-window */
export const waitCommandFlags = { timeout: waitTimeout(), 'wait-window': waitWindow() };

/** The flags of `kn service create/update` that describe a service. */
export const serviceFlags = {
  file: Flags.string({ char: 'f', description: 'service descriptor (.nix evaluated by nix-instantiate, or .json); flags override its fields', helpValue: 'FILE' }),
  name: Flags.string({ description: 'service name (with -f: only that service of the descriptor)' }),
  ...namespaceFlag,
  image: Flags.string({ description: 'image reference (else the descriptor\'s, else the Image document on stdin, pinned by digest)' }),
  env: Flags.string({ char: 'e', description: 'environment variable NAME=VALUE', multiple: true }),
  port: Flags.integer({ char: 'p', description: 'the port the container listens on' }),
  'scale-min': Flags.integer({ description: 'minimum pods (0 = scale to zero)' }),
  'scale-max': Flags.integer({ description: 'maximum pods (0 = no limit)' }),
  'scale-init': Flags.integer({ description: 'pods a new revision starts with' }),
  'scale-target': Flags.integer({ description: 'per-pod target of the scale metric (concurrent requests, requests/s, or percent)' }),
  'scale-metric': Flags.string({ description: 'what the autoscaler scales on', options: ['concurrency', 'rps', 'cpu', 'memory'] }),
  'scale-utilization': Flags.integer({ description: 'percent of the target to aim for (target-utilization-percentage)' }),
  'scale-window': Flags.string({ description: 'averaging window of the autoscaler, 6s..1h (e.g. 60s)' }),
  'scale-to-zero-retention': Flags.string({ description: 'how long the last pod stays after traffic stops (e.g. 5m)' }),
  'concurrency-limit': Flags.integer({ description: 'hard limit of requests in flight per pod (0 = none)' }),
  request: Flags.string({ description: 'resource requests, e.g. cpu=100m,memory=64Mi', multiple: true }),
  limit: Flags.string({ description: 'resource limits, e.g. cpu=1,memory=256Mi', multiple: true }),
  label: Flags.string({ char: 'l', description: 'label on the service NAME=VALUE', multiple: true }),
  annotation: Flags.string({ char: 'a', description: 'annotation on the revision template NAME=VALUE', multiple: true }),
  ...trafficFlags,
};

type ServiceFlagValues = {
  file?: string; name?: string; namespace?: string; image?: string; env?: string[]; port?: number;
  'scale-min'?: number; 'scale-max'?: number; 'scale-init'?: number; 'scale-target'?: number; 'scale-metric'?: string;
  'scale-utilization'?: number; 'scale-window'?: string; 'scale-to-zero-retention'?: string; 'concurrency-limit'?: number;
  request?: string[]; limit?: string[]; label?: string[]; annotation?: string[]; traffic?: string[]; tag?: string[]; input?: string;
};

/** NAME=VALUE pairs (comma separated or repeated) into a record; errors name the flag. */
export function pairs(values: string[] | undefined, flag: string, sep = /,/): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(sep))) {
    const i = v.indexOf('=');
    if (i <= 0) throw badInput(flag, 'NAME=VALUE', v);
    out[v.slice(0, i).trim()] = v.slice(i + 1);
  }
  return out;
}


function overrides(f: ServiceFlagValues): Partial<ServiceSpec> {
  const o: Partial<ServiceSpec> = {
    env: pairs(f.env, '--env', /\u0000/),
    port: f.port, minScale: f['scale-min'], maxScale: f['scale-max'], initialScale: f['scale-init'], target: f['scale-target'],
    metric: f['scale-metric'] as Metric | undefined, utilization: f['scale-utilization'], window: f['scale-window'],
    scaleToZeroRetention: f['scale-to-zero-retention'], concurrencyLimit: f['concurrency-limit'],
    requests: pairs(f.request, '--request'), limits: pairs(f.limit, '--limit'),
    labels: pairs(f.label, '--label', /\u0000/), annotations: pairs(f.annotation, '--annotation', /\u0000/),
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The services a command line describes: `-f FILE` (flags override every service it selects)
 * or `--name` with flags. The image comes from flags, the descriptor, or an Image document on
 * stdin, pinned by digest.
 */
export async function requestsFromFlags(f: ServiceFlagValues, run: Runner): Promise<ServiceRequest[]> {
  const o = overrides(f);
  const traffic = { traffic: f.traffic, tag: f.tag };
  const hasTraffic = Boolean(f.traffic?.length || f.tag?.length);
  let reqs: (Omit<ServiceRequest, 'spec'> & { spec: Omit<ServiceSpec, 'traffic' | 'namespace' | 'image'> & { namespace?: string; image?: string } })[];
  if (f.file) {
    const decls = await loadServices(run, f.file);
    const chosen = f.name ? decls.filter((d) => d.spec.name === f.name) : decls;
    if (chosen.length === 0) throw badInput('--name', `a service of ${f.file} (${decls.map((d) => d.spec.name).join(', ')})`, f.name);
    reqs = chosen.map((d) => ({ spec: { ...d.spec, ...o, ...(o.env || d.spec.env ? { env: { ...d.spec.env, ...o.env } } : {}) }, traffic: hasTraffic ? traffic : d.traffic, field: d.field }));
  } else {
    if (!f.name) throw badInput('--name', 'a service name (or -f FILE, a service descriptor)');
    reqs = [{ spec: { name: f.name, ...o }, traffic }];
  }
  let image = f.image;
  if (!image && reqs.some((r) => !r.spec.image)) {
    const doc = await readDocument({ accept: ['Image'], inputFile: f.input });
    if (!doc) throw badInput('--image', 'an image reference, or an Image document on stdin (nix-image build --push ... | knative-deploy apply)');
    image = imageFromDocument(doc);
  }
  return reqs.map((r) => ({ ...r, spec: { ...r.spec, namespace: f.namespace ?? r.spec.namespace ?? 'default', image: f.image ?? r.spec.image ?? image! } }));
}

/** kn's `-o url`: only the URL(s); `-o json` is --json. */
export const outputFlag = {
  output: Flags.string({ char: 'o', description: 'url: print only the URL(s); json: the document', options: ['url', 'json'] }),
};

/** The URLs of a KnativeService document or list, one per line, for `-o url`. */
export function urlLines(result: unknown): string {
  const r = result as { url?: string; items?: { url?: string }[] };
  return `${(r.items ?? [r]).map((s) => s.url ?? '').join('\n')}\n`;
}
