import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@iwp/core';
import type { Pki } from './certs.js';

/**
 * A kubeconfig for the cluster's admin identity with the certificates inlined, so the file
 * can be copied or merged elsewhere. JSON is valid YAML: every kubeconfig reader accepts it.
 */
export async function writeKubeconfig(
  path: string, name: string, server: string, pki: Pki, identity: { cert: string; key: string } = { cert: pki.adminCert, key: pki.adminKey },
): Promise<string> {
  const b64 = async (f: string) => (await readFile(f)).toString('base64');
  const context = `iwp-${name}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server, 'certificate-authority-data': await b64(pki.caCert) } }],
    users: [{ name: context, user: { 'client-certificate-data': await b64(identity.cert), 'client-key-data': await b64(identity.key) } }],
    contexts: [{ name: context, context: { cluster: context, user: context } }],
    'current-context': context,
  };
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return context;
}
