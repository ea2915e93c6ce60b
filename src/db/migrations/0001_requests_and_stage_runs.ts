import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<unknown>: they must not depend on today's generated types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create type request_status as enum ('pending', 'validating', 'generating', 'completed', 'failed', 'clarification_needed')`.execute(
    db,
  );
  await sql`create type request_modality as enum ('text', 'video')`.execute(db);
  await sql`create type stage_run_status as enum ('running', 'completed', 'failed')`.execute(db);

  await db.schema
    .createTable('content_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('student_query', 'text', (c) => c.notNull())
    .addColumn('grade_level', 'smallint', (c) =>
      c.notNull().check(sql`grade_level between 0 and 12`),
    )
    .addColumn('interest', 'text')
    .addColumn('modality', sql`request_modality`, (c) => c.notNull().defaultTo('video'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en-US'))
    .addColumn('correlation_id', 'text')
    .addColumn('status', sql`request_status`, (c) => c.notNull().defaultTo('pending'))
    .addColumn('progress_percentage', 'smallint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`progress_percentage between 0 and 100`),
    )
    .addColumn('current_stage', 'text')
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('result', 'jsonb')
    // The lease: which push message holds the request, until when, and a
    // generation (fencing token) that every write of the run is conditional on.
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('lease_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();

  await db.schema
    .createIndex('content_requests_correlation_id_idx')
    .on('content_requests')
    .column('correlation_id')
    .where(sql.ref('correlation_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('content_requests_student_status_created_idx')
    .on('content_requests')
    .columns(['student_id', 'status', 'created_at desc'])
    .execute();
  await db.schema
    .createIndex('content_requests_status_updated_idx')
    .on('content_requests')
    .columns(['status', 'updated_at'])
    .execute();

  await db.schema
    .createTable('stage_runs')
    .addColumn('request_id', 'uuid', (c) =>
      c.notNull().references('content_requests.id').onDelete('cascade'),
    )
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('status', sql`stage_run_status`, (c) => c.notNull())
    .addColumn('lease_generation', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('duration_ms', 'integer')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('stage_runs_pkey', ['request_id', 'stage'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stage_runs').execute();
  await db.schema.dropTable('content_requests').execute();
  await sql`drop type stage_run_status`.execute(db);
  await sql`drop type request_modality`.execute(db);
  await sql`drop type request_status`.execute(db);
}
