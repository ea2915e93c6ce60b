/** The OER corpus in Postgres: full-text search (GIN-indexed tsvector), ranked, filtered by grade. */
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { OerCorpus, Passage, PassageQuery } from '../providers/oer-corpus.js';

/** Words only: the terms become an OR query for websearch_to_tsquery, whose syntax they must not inject. */
export function toSearchText(terms: readonly string[]): string {
  const words = terms
    .flatMap((t) => t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length > 1 && w !== 'or');
  return [...new Set(words)].slice(0, 24).join(' or ');
}

/** A passage ranked below this share of the best one is too loosely related to teach from. */
export const RELATIVE_RANK_FLOOR = 0.3;

export function createPostgresCorpus(db: Database): OerCorpus {
  return {
    async search(query: PassageQuery, signal: AbortSignal): Promise<Passage[]> {
      const text = toSearchText(query.terms);
      if (!text) return [];
      signal.throwIfAborted();
      const q = sql`websearch_to_tsquery('english', ${text})`;
      const rows = await db
        .selectFrom('oer_passages')
        .select(['id', 'title', 'subject', 'grade_min', 'grade_max', 'body', 'source'])
        .select(sql<number>`ts_rank_cd(search, ${q})`.as('rank'))
        .where(sql<boolean>`search @@ ${q}`)
        .where('grade_min', '<=', query.grade)
        .where('grade_max', '>=', query.grade)
        .orderBy('rank', 'desc')
        .orderBy('id')
        .limit(query.limit)
        .execute();
      // OR-matching pulls in passages that share one common word; keep those close to the best match.
      const best = rows[0]?.rank ?? 0;
      return rows
        .filter((r) => r.rank >= best * RELATIVE_RANK_FLOOR)
        .map((r) => ({
          id: r.id,
          title: r.title,
          subject: r.subject,
          gradeMin: r.grade_min,
          gradeMax: r.grade_max,
          body: r.body,
          source: r.source,
        }));
    },
  };
}
