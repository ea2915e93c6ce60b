/** Google-style OIDC tokens signed with local keys, and a local server for their certificates. */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface Signer {
  kid: string;
  privateKey: KeyObject;
  publicPem: string;
}

export function newSigner(kid: string): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signToken(
  signer: Signer,
  claims: Record<string, unknown>,
  options: { kid?: string } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: options.kid ?? signer.kid };
  const payload = {
    iss: 'https://accounts.google.com',
    iat: now,
    exp: now + 3600,
    sub: '1234567890',
    ...claims,
  };
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(signer.privateKey)
    .toString('base64url');
  return `${unsigned}.${signature}`;
}

/** Serves `{ kid: pem }` like Google's oauth2/v1/certs. */
export async function startCertsServer(
  signers: Signer[],
): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify(Object.fromEntries(signers.map((s) => [s.kid, s.publicPem])));
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'public, max-age=3600',
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/certs`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
