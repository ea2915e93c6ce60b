/** Scans every log line a full scenario produces for the student's text, the interest and tokens. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { buildLessonPipeline, loadStarterCorpus } from '../support/lesson-pipeline.js';
import { newSigner, signToken, startCertsServer } from '../support/oidc.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadStarterCorpus(t.db);
});
afterAll(async () => t.close());

describe('privacy', () => {
  it('no log line of a whole scenario holds a query, an interest or a token', async () => {
    const signer = newSigner('k1');
    const certs = await startCertsServer([signer]);
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, {
      pipeline: lp.pipeline,
      env: {
        PUSH_AUTH_AUDIENCE: 'aud',
        PUSH_AUTH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com',
        PUSH_AUTH_CERTS_URL: certs.url,
        LOG_LEVEL: 'trace',
      },
    });
    const token = signToken(signer, {
      aud: 'aud',
      email: 'push@p.iam.gserviceaccount.com',
      email_verified: true,
    });
    const auth = { authorization: `Bearer ${token}` };
    const secrets = {
      query: 'Zanzibar-Quokka magnets attract iron',
      interest: 'Xylophone-Marathon',
      clarify: 'Quibblewick nonsense?',
    };

    const deliveries = [
      envelope(
        contentRequest({
          student_query: secrets.query,
          interest: secrets.interest,
          modality: 'video',
          grade_level: 3,
        }),
        { deliveryAttempt: 4 },
      ),
      envelope(contentRequest({ student_query: secrets.clarify, interest: secrets.interest })),
      envelope(
        contentRequest({ student_query: `${secrets.query}\u0000`, interest: secrets.interest }),
      ),
      envelope(
        contentRequest({
          student_query: secrets.query,
          interest: secrets.interest,
          grade_level: 'x',
        }),
      ),
      envelope(`{"student_query": "${secrets.query}"`),
    ];
    const codes = [];
    for (const body of deliveries)
      codes.push(
        (await ta.app.inject({ method: 'POST', url: '/pubsub/push', payload: body, headers: auth }))
          .statusCode,
      );
    codes.push(
      (
        await ta.app.inject({
          method: 'POST',
          url: '/pubsub/push',
          payload: deliveries[0]!,
          headers: { authorization: `Bearer ${token}x` },
        })
      ).statusCode,
    );
    expect(codes).toEqual([200, 200, 422, 422, 422, 401]);
    await certs.close();

    const logs = ta.rawLogs.join('\n');
    expect(ta.rawLogs.length).toBeGreaterThan(10);
    for (const secret of [
      ...secrets.query.split(' '),
      secrets.interest,
      secrets.clarify,
      'Quibblewick',
      token,
      token.split('.')[1]!,
      token.split('.')[2]!,
    ]) {
      expect(logs, secret).not.toContain(secret);
    }
    // …while the lines that matter are there.
    expect(ta.logs.filter((l) => l.message === 'delivery finished')).toHaveLength(6);
    expect(ta.logs.filter((l) => l.message === 'stage finished').length).toBeGreaterThanOrEqual(6);
  }, 60_000);
});
