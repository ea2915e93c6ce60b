/**
 * Verifies the Google-signed OIDC token a push subscription sends, with
 * google-auth-library: signature against Google's certs (or PUSH_AUTH_CERTS_URL),
 * issuer, audience, expiry; then the app's own rules: the email is verified
 * and is one of the allowed service accounts. Its errors quote the token's
 * payload, so they are never passed on: callers get a code.
 */
import { lazy } from '../runtime/lazy.js';

export type TokenCheck =
  | { ok: true; email: string }
  | { ok: false; outcome: 'unauthenticated' | 'forbidden' | 'retry'; detail: string };

export interface IdTokenVerifier {
  check(authorization: string | undefined, allowedAccounts: readonly string[]): Promise<TokenCheck>;
}

const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/;

/** Network trouble fetching the certs is a reason to retry, not to reject the push. */
function isCertsFetchFailure(err: unknown): boolean {
  const e = err as { name?: string; code?: unknown; response?: unknown };
  return e?.name === 'GaxiosError' || (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code));
}

export function createIdTokenVerifier(options: {
  audience: string;
  certsUrl: string | undefined;
}): IdTokenVerifier {
  // Loaded on the first push, not at start: the library weighs on cold start.
  const client = lazy(async () => {
    const { OAuth2Client } = await import('google-auth-library');
    return new OAuth2Client(
      options.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: options.certsUrl } } : {},
    );
  });
  return {
    async check(authorization, allowedAccounts) {
      if (!authorization)
        return {
          ok: false,
          outcome: 'unauthenticated',
          detail: 'missing Authorization: Bearer token',
        };
      const match = BEARER.exec(authorization);
      if (!match)
        return {
          ok: false,
          outcome: 'unauthenticated',
          detail: 'Authorization is not a Bearer JWT',
        };
      let payload: { email?: string; email_verified?: boolean } | undefined;
      try {
        const ticket = await (
          await client()
        ).verifyIdToken({
          idToken: match[1]!,
          audience: options.audience,
        });
        payload = ticket.getPayload();
      } catch (err) {
        if (isCertsFetchFailure(err))
          return {
            ok: false,
            outcome: 'retry',
            detail: 'token signing certificates could not be fetched',
          };
        return {
          ok: false,
          outcome: 'unauthenticated',
          detail: 'token rejected (signature, issuer, audience or expiry)',
        };
      }
      if (!payload?.email || payload.email_verified !== true)
        return { ok: false, outcome: 'unauthenticated', detail: 'token has no verified email' };
      if (!allowedAccounts.includes(payload.email))
        return {
          ok: false,
          outcome: 'forbidden',
          detail: 'token is for an account that may not call this route',
        };
      return { ok: true, email: payload.email };
    },
  };
}
