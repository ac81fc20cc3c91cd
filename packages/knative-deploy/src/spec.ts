import type { KubernetesObject } from '@kubernetes/client-node';
import { badInput, KNATIVE_METRICS, parseDuration } from '@iwp/core';
import type { TrafficTarget } from './traffic.js';

export const GROUP = 'serving.knative.dev';
export const VERSION = 'v1';
export const SERVICE_API = `${GROUP}/${VERSION}`;

export const METRICS = KNATIVE_METRICS;
export type Metric = (typeof METRICS)[number];

/** What a Knative Service is made of, in the words of `kn service create` flags. */
export interface ServiceSpec {
  name: string;
  namespace: string;
  image: string;
  env?: Record<string, string>;
  port?: number;
  /** autoscaling.knative.dev/min-scale: 0 lets the service scale to zero */
  minScale?: number;
  /** autoscaling.knative.dev/max-scale: 0 = no limit */
  maxScale?: number;
  /** autoscaling.knative.dev/initial-scale */
  initialScale?: number;
  /** autoscaling.knative.dev/target: the soft per-pod target of the metric */
  target?: number;
  /** autoscaling.knative.dev/metric; cpu and memory need the HPA class */
  metric?: Metric;
  /** autoscaling.knative.dev/target-utilization-percentage */
  utilization?: number;
  /** autoscaling.knative.dev/window, a duration such as 60s (6s..1h) */
  window?: string;
  /** autoscaling.knative.dev/scale-to-zero-pod-retention-period */
  scaleToZeroRetention?: string;
  /** containerConcurrency: the hard limit of requests in flight per pod, 0 = none */
  concurrencyLimit?: number;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  traffic?: TrafficTarget[];
  labels?: Record<string, string>;
  /** extra annotations on the revision template */
  annotations?: Record<string, string>;
}

export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

function nonNegative(field: string, v: number | undefined, max = Number.MAX_SAFE_INTEGER): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > max)) throw badInput(field, max < Number.MAX_SAFE_INTEGER ? `an integer from 0 to ${max}` : 'an integer >= 0', v);
}

/**
 * Checks a spec the way Knative's webhook would, naming the field (`--scale-min`, or
 * `services[0].scale.min` for descriptors through `prefix`), before anything is sent.
 */
export function validateSpec(s: ServiceSpec, field: (flag: string, key: string) => string = (flag) => flag): void {
  if (!DNS_LABEL.test(s.name) || s.name.length > 63) throw badInput(field('--name', 'name'), 'a DNS label (lower case letters, digits, -; at most 63)', s.name);
  if (!DNS_LABEL.test(s.namespace) || s.namespace.length > 63) throw badInput(field('--namespace', 'namespace'), 'a DNS label', s.namespace);
  if (!s.image) throw badInput(field('--image', 'image'), 'an image reference', s.image);
  nonNegative(field('--scale-min', 'scale.min'), s.minScale);
  nonNegative(field('--scale-max', 'scale.max'), s.maxScale);
  nonNegative(field('--scale-init', 'scale.initial'), s.initialScale);
  nonNegative(field('--concurrency-limit', 'concurrencyLimit'), s.concurrencyLimit, 1000);
  nonNegative(field('--port', 'port'), s.port, 65535);
  nonNegative(field('--scale-utilization', 'scale.utilization'), s.utilization, 100);
  if (s.target !== undefined && !(s.target >= 0.01)) throw badInput(field('--scale-target', 'scale.target'), 'a number >= 0.01', s.target);
  if (s.minScale !== undefined && s.maxScale && s.minScale > s.maxScale) throw badInput(field('--scale-min', 'scale.min'), `at most the maximum scale (${s.maxScale})`, s.minScale);
  if (s.metric !== undefined && !METRICS.includes(s.metric)) throw badInput(field('--scale-metric', 'scale.metric'), METRICS.join(', '), s.metric);
  if (s.window !== undefined) {
    const ms = parseDuration(s.window, field('--scale-window', 'scale.window'));
    if (ms < 6000 || ms > 3_600_000) throw badInput(field('--scale-window', 'scale.window'), 'a duration from 6s to 1h', s.window);
  }
  if (s.scaleToZeroRetention !== undefined) parseDuration(s.scaleToZeroRetention, field('--scale-to-zero-retention', 'scale.retention'));
  for (const [k, v] of Object.entries(s.env ?? {})) {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k)) throw badInput(field('--env', 'env'), 'NAME=VALUE with a valid variable name', `${k}=${v}`);
  }
  for (const [flag, key, res] of [['--request', 'resources.requests', s.requests], ['--limit', 'resources.limits', s.limits]] as const) {
    for (const [k, v] of Object.entries(res ?? {})) {
      if (!['cpu', 'memory', 'ephemeral-storage'].includes(k) && !k.includes('/')) throw badInput(field(flag, key), 'cpu, memory, ephemeral-storage or a domain/name resource', k);
      if (!QUANTITY.test(v)) throw badInput(field(flag, key), 'a quantity such as 250m, 1 or 128Mi', `${k}=${v}`);
    }
  }
}

/** The revision template's annotations Knative's autoscaler reads. */
export function autoscalingAnnotations(s: ServiceSpec): Record<string, string> {
  const metric = s.metric ?? 'concurrency';
  const ann: Record<string, string> = {
    'autoscaling.knative.dev/class': metric === 'cpu' || metric === 'memory' ? 'hpa.autoscaling.knative.dev' : 'kpa.autoscaling.knative.dev',
    'autoscaling.knative.dev/metric': metric,
  };
  const set = (k: string, v: number | string | undefined) => {
    if (v !== undefined) ann[`autoscaling.knative.dev/${k}`] = String(v);
  };
  set('min-scale', s.minScale);
  set('max-scale', s.maxScale);
  set('initial-scale', s.initialScale);
  set('target', s.target);
  set('target-utilization-percentage', s.utilization);
  set('window', s.window);
  set('scale-to-zero-pod-retention-period', s.scaleToZeroRetention);
  return { ...s.annotations, ...ann };
}

const sorted = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The Knative Service object, as `kn service create` would write it. Everything is in a fixed
 * order so that applying the same spec twice is byte-identical (no new generation, no new
 * revision).
 */
export function serviceManifest(s: ServiceSpec): KubernetesObject & { spec: Record<string, unknown> } {
  const resources = {
    ...(s.requests && Object.keys(s.requests).length ? { requests: sorted(s.requests) } : {}),
    ...(s.limits && Object.keys(s.limits).length ? { limits: sorted(s.limits) } : {}),
  };
  const container: Record<string, unknown> = {
    image: s.image,
    ...(s.env && Object.keys(s.env).length ? { env: Object.entries(sorted(s.env)).map(([name, value]) => ({ name, value })) } : {}),
    ...(s.port ? { ports: [{ containerPort: s.port }] } : {}),
    ...(Object.keys(resources).length ? { resources } : {}),
  };
  return {
    apiVersion: SERVICE_API,
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: { 'app.kubernetes.io/managed-by': 'iwp', ...s.labels } },
    spec: {
      template: {
        metadata: { annotations: sorted(autoscalingAnnotations(s)) },
        spec: { ...(s.concurrencyLimit !== undefined ? { containerConcurrency: s.concurrencyLimit } : {}), containers: [container] },
      },
      ...(s.traffic ? { traffic: s.traffic } : {}),
    },
  };
}
