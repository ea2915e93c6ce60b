import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatConfigErrors, parseConfig, VARIABLES } from '../../src/config/config.js';

describe('configuration', () => {
  it('has working defaults for a local run', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 8080,
      maxDeliveryAttempts: 5,
      ackDeadlineSeconds: 600,
      leaseSeconds: 30,
      databaseUrl: undefined,
      production: false,
    });
    expect(result.config.bodyLimitBytes).toBeGreaterThan(Math.ceil((10 * 1024 * 1024 * 4) / 3));
  });

  it('reports every problem at once', () => {
    const result = parseConfig({
      PORT: 'eighty',
      MAX_DELIVERY_ATTEMPTS: '0',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      ALLOW_EMBEDDED_POSTGRES: 'maybe',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(5);
    const message = formatConfigErrors(result.errors);
    for (const name of [
      'PORT',
      'MAX_DELIVERY_ATTEMPTS',
      'LOG_LEVEL',
      'DATABASE_URL',
      'ALLOW_EMBEDDED_POSTGRES',
    ])
      expect(message).toContain(name);
  });

  it('refuses production without DATABASE_URL, unless embedded Postgres is allowed', () => {
    const refused = parseConfig({ NODE_ENV: 'production' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors[0]).toMatch(/DATABASE_URL is required/);
    const offline = { ALLOW_OFFLINE_PROVIDERS: 'true', PUSH_AUTH_DISABLED: 'true' };
    expect(
      parseConfig({ NODE_ENV: 'production', ALLOW_EMBEDDED_POSTGRES: 'true', ...offline }).ok,
    ).toBe(true);
    expect(
      parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/x', ...offline }).ok,
    ).toBe(true);
  });

  it('refuses production without a decision on push auth, explaining both choices', () => {
    const base = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/x',
      ALLOW_OFFLINE_PROVIDERS: 'true',
    };
    const refused = parseConfig(base);
    expect(!refused.ok && refused.errors.join()).toMatch(
      /set PUSH_AUTH_AUDIENCE and PUSH_AUTH_SERVICE_ACCOUNT .* or PUSH_AUTH_DISABLED=true if Cloud Run IAM/,
    );
    expect(parseConfig({ ...base, PUSH_AUTH_DISABLED: 'true' }).ok).toBe(true);
    const on = parseConfig({
      ...base,
      PUSH_AUTH_AUDIENCE: 'https://svc/pubsub/push',
      PUSH_AUTH_SERVICE_ACCOUNT: 'a@p.iam.gserviceaccount.com, b@p.iam.gserviceaccount.com',
    });
    expect(on.ok && on.config.pushAuth).toEqual({
      audience: 'https://svc/pubsub/push',
      serviceAccounts: ['a@p.iam.gserviceaccount.com', 'b@p.iam.gserviceaccount.com'],
      certsUrl: undefined,
    });
    expect(on.ok && on.config.requestsApiAccounts).toEqual([
      'a@p.iam.gserviceaccount.com',
      'b@p.iam.gserviceaccount.com',
    ]);
    expect(parseConfig({ PUSH_AUTH_AUDIENCE: 'x' }).ok).toBe(false);
    expect(
      parseConfig({
        PUSH_AUTH_AUDIENCE: 'x',
        PUSH_AUTH_SERVICE_ACCOUNT: 'a',
        PUSH_AUTH_DISABLED: 'true',
      }).ok,
    ).toBe(false);
  });

  it('refuses the offline providers in production unless allowed', () => {
    const refused = parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/x' });
    expect(!refused.ok && refused.errors.join()).toMatch(/ALLOW_OFFLINE_PROVIDERS=true/);
  });

  it('refuses stage timeouts that do not fit in the ack deadline, naming the numbers', () => {
    const ok = parseConfig({ ACK_DEADLINE_SECONDS: '600' });
    expect(ok.ok && ok.config.stageTimeouts).toEqual({
      understand: 30,
      retrieve: 10,
      script: 90,
      narrate: 120,
      render: 180,
      publish: 60,
    });
    const tight = parseConfig({ ACK_DEADLINE_SECONDS: '300' });
    expect(tight.ok).toBe(false);
    expect(!tight.ok && tight.errors[0]).toBe(
      'stage timeouts (understand 30 + retrieve 10 + script 90 + narrate 120 + render 180 + publish 60 s) plus the 30 s margin make 520 s, more than ACK_DEADLINE_SECONDS=300: a delivery could outlive its ack deadline',
    );
    expect(
      parseConfig({
        ACK_DEADLINE_SECONDS: '300',
        STAGE_TIMEOUT_RENDER_SECONDS: '40',
        STAGE_TIMEOUT_NARRATE_SECONDS: '40',
      }).ok,
    ).toBe(true);
  });

  it("accepts Cloud SQL's unix-socket connection string, and refuses one with neither host nor socket", () => {
    const socket =
      'postgres://cw:pw@/content_worker?host=/cloudsql/proj:europe-west1:content-worker';
    const parsed = parseConfig({ DATABASE_URL: socket });
    expect(parsed.ok && parsed.config.databaseUrl).toBe(socket);
    const hostless = parseConfig({ DATABASE_URL: 'postgres://cw:pw@/content_worker' });
    expect(!hostless.ok && hostless.errors[0]).toMatch(/DATABASE_URL has no host.*\?host=/);
  });

  it('never echoes a connection string in an error', () => {
    const result = parseConfig({ DATABASE_URL: 'postgres://user:s3cret@ db' });
    expect(!result.ok && formatConfigErrors(result.errors)).not.toContain('s3cret');
  });

  it('refuses an ack deadline over 600 s and a lease as long as the deadline', () => {
    expect(parseConfig({ ACK_DEADLINE_SECONDS: '601' }).ok).toBe(false);
    const r = parseConfig({ ACK_DEADLINE_SECONDS: '30', LEASE_SECONDS: '30' });
    expect(!r.ok && r.errors[0]).toMatch(/LEASE_SECONDS=30 must be shorter/);
  });

  it('refuses a body limit that would turn away a legal 10 MB message', () => {
    expect(parseConfig({ BODY_LIMIT_BYTES: '10485760' }).ok).toBe(false);
  });

  it('is documented variable by variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of VARIABLES) expect(readme, v.name).toContain('`' + v.name + '`');
  });
});
