import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDirectory, upsertPassages } from '../../src/corpus/ingest.js';
import { ensureStarterCorpus } from '../../src/corpus/starter-corpus.js';
import { parsePassage, PassageFormatError } from '../../src/corpus/markdown.js';
import { createPostgresCorpus, toSearchText } from '../../src/corpus/postgres-corpus.js';
import { packageFile } from '../../src/config/package-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

const signal = new AbortController().signal;

describe('the OER corpus', () => {
  it('parses front matter: title, subject, grade range (K = 0)', () => {
    const p = parsePassage(
      'science/x',
      '---\ntitle: "Magnets: how they work"\nsubject: science\ngrades: "K-4"\n---\n\nMagnets pull iron.',
    );
    expect(p).toEqual({
      id: 'science/x',
      title: 'Magnets: how they work',
      subject: 'science',
      gradeMin: 0,
      gradeMax: 4,
      body: 'Magnets pull iron.',
      source: null,
    });
    expect(
      parsePassage('a', '---\ntitle: A\nsubject: maths\ngrade_min: 3\ngrade_max: 5\n---\nText')
        .gradeMax,
    ).toBe(5);
  });

  it.each([
    ['no title', '---\nsubject: science\ngrades: "3"\n---\ntext', /needs a title/],
    ['no grades', '---\ntitle: T\nsubject: science\n---\ntext', /needs grades/],
    [
      'grade 13',
      '---\ntitle: T\nsubject: science\ngrades: "3-13"\n---\ntext',
      /grade 13 is not 0..12/,
    ],
    ['backwards', '---\ntitle: T\nsubject: science\ngrades: "8-3"\n---\ntext', /run backwards/],
    ['no text', '---\ntitle: T\nsubject: science\ngrades: "3"\n---\n', /no text/],
  ])('refuses a passage with %s, naming the file', (_name, content, message) => {
    expect(() => parsePassage('science/bad', content)).toThrow(PassageFormatError);
    expect(() => parsePassage('science/bad', content)).toThrow(message);
  });

  it('ships a starter corpus of at least 40 passages across science, maths, history and language arts, loaded on first start only', async () => {
    expect(await ensureStarterCorpus(t.db, packageFile('data', 'oer'))).toBeGreaterThanOrEqual(40);
    expect(await ensureStarterCorpus(t.db, packageFile('data', 'oer'))).toBe(0);
    const subjects = await t.db
      .selectFrom('oer_passages')
      .select(['subject'])
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .groupBy('subject')
      .execute();
    expect(Object.fromEntries(subjects.map((s) => [s.subject, Number(s.n)]))).toMatchObject({
      science: expect.any(Number),
      maths: expect.any(Number),
      history: expect.any(Number),
      language_arts: expect.any(Number),
    });
    expect(subjects.every((s) => Number(s.n) >= 8)).toBe(true);
  });

  it('finds passages by full-text search, best first, within the grade', async () => {
    await ingestDirectory(t.db, packageFile('data', 'oer'));
    const corpus = createPostgresCorpus(t.db);
    const hits = await corpus.search(
      { terms: ['basketball', 'bounce', 'floor'], grade: 6, limit: 5 },
      signal,
    );
    expect(hits[0]?.id).toBe('science/bouncing-balls-energy');
    expect(hits.every((h) => h.gradeMin <= 6 && h.gradeMax >= 6)).toBe(true);
    // Magnets are written for K-4: a grade 8 student does not get them.
    expect(
      (await corpus.search({ terms: ['magnet'], grade: 8, limit: 5 }, signal)).map((h) => h.id),
    ).not.toContain('science/magnets');
    expect(
      (await corpus.search({ terms: ['magnet'], grade: 2, limit: 5 }, signal)).map((h) => h.id),
    ).toContain('science/magnets');
  });

  it('uses the GIN index for the search', async () => {
    const { sql } = await import('kysely');
    await sql`set enable_seqscan = off`.execute(t.db);
    const plan = await sql<{
      'QUERY PLAN': string;
    }>`explain select id from oer_passages where search @@ websearch_to_tsquery('english', 'gravity')`.execute(
      t.db,
    );
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('oer_passages_search_idx');
  });

  it('re-ingesting a file updates its passage', async () => {
    await upsertPassages(t.db, [
      {
        id: 'test/x',
        title: 'Old',
        subject: 'science',
        gradeMin: 1,
        gradeMax: 2,
        body: 'old text',
        source: null,
      },
    ]);
    await upsertPassages(t.db, [
      {
        id: 'test/x',
        title: 'New',
        subject: 'science',
        gradeMin: 1,
        gradeMax: 2,
        body: 'volcanoes erupt',
        source: 'x',
      },
    ]);
    const hits = await createPostgresCorpus(t.db).search(
      { terms: ['volcanoes'], grade: 1, limit: 5 },
      signal,
    );
    expect(hits).toEqual([expect.objectContaining({ id: 'test/x', title: 'New', source: 'x' })]);
  });

  it('turns terms into words only, so search syntax cannot be injected', () => {
    expect(toSearchText(['gravity -"falling" OR (x)', 'a', "it's"])).toBe(
      'gravity or falling or it',
    );
    expect(toSearchText(['!!!'])).toBe('');
  });
});
