import { sql, type Kysely } from 'kysely';

// The open educational resources the `retrieve` stage searches: short passages
// with a grade range, found by Postgres full-text search.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oer_passages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('grade_min', 'smallint', (c) => c.notNull().check(sql`grade_min between 0 and 12`))
    .addColumn('grade_max', 'smallint', (c) => c.notNull().check(sql`grade_max between 0 and 12`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('search', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')`,
        )
        .stored(),
    )
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('oer_passages_grade_range', sql`grade_min <= grade_max`)
    .execute();
  await db.schema
    .createIndex('oer_passages_search_idx')
    .on('oer_passages')
    .using('gin')
    .column('search')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oer_passages').execute();
}
