import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '@iwp/core';

/** The files of a local cluster's PKI, all under `<state>/pki`. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

export function pkiPaths(stateDir: string): Pki {
  const dir = join(stateDir, 'pki');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

/**
 * A cluster CA, the apiserver's serving certificate (loopback and in-cluster names), an
 * admin client certificate in `system:masters`, and the service-account signing key pair,
 * made with the openssl CLI (EC P-256, valid one year).
 */
export async function generatePki(run: Runner, stateDir: string, serviceIp: string): Promise<Pki> {
  const k = pkiPaths(stateDir);
  await mkdir(k.dir, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', k.caKey, '-out', k.caCert, '-days', '365', '-subj', '/CN=iwp-local-ca']);
  const san = [
    'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', `IP:${serviceIp}`,
  ].join(',');
  const ext = join(k.dir, 'server.ext');
  await writeFile(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
  await issue(run, k, 'apiserver', '/CN=kube-apiserver', ext, k.serverCert, k.serverKey);
  const clientExt = join(k.dir, 'client.ext');
  await writeFile(clientExt, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  await issue(run, k, 'admin', '/O=system:masters/CN=iwp-admin', clientExt, k.adminCert, k.adminKey);
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', k.saKey]);
  await run('openssl', ['pkey', '-in', k.saKey, '-pubout', '-out', k.saPub]);
  return k;
}

/**
 * A certificate signed by the cluster CA, written to `<dir>/<name>.crt` and `.key`: a client
 * certificate for `subj`, or a serving one when `sans` are given (`IP:…`, `DNS:…`).
 */
export async function issueCert(run: Runner, k: Pki, dir: string, name: string, subj: string, sans?: string[]): Promise<{ cert: string; key: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, sans
    ? `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`
    : 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const out = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await issue(run, { ...k, dir }, name, subj, ext, out.cert, out.key);
  return out;
}

async function issue(run: Runner, k: Pki, name: string, subj: string, ext: string, cert: string, key: string): Promise<void> {
  const csr = join(k.dir, `${name}.csr`);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subj]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', k.caCert, '-CAkey', k.caKey, '-CAcreateserial', '-out', cert, '-days', '365', '-extfile', ext]);
}
