/** Loads Markdown passages into the corpus table (upsert by id). */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { sql } from 'kysely';
import type { Storage } from '@google-cloud/storage';
import type { Database } from '../db/database.js';
import type { Passage } from '../providers/oer-corpus.js';
import { parsePassage } from './markdown.js';

async function markdownFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.md') && e.name.toLowerCase() !== 'readme.md')
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function readPassages(dir: string): Promise<Passage[]> {
  const files = await markdownFiles(dir);
  return Promise.all(
    files.map(async (file) =>
      parsePassage(
        relative(dir, file).split(sep).join('/').replace(/\.md$/, ''),
        await readFile(file, 'utf8'),
      ),
    ),
  );
}

export async function upsertPassages(db: Database, passages: readonly Passage[]): Promise<number> {
  if (passages.length === 0) return 0;
  await db
    .insertInto('oer_passages')
    .values(
      passages.map((p) => ({
        id: p.id,
        title: p.title,
        subject: p.subject,
        grade_min: p.gradeMin,
        grade_max: p.gradeMax,
        body: p.body,
        source: p.source,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        title: eb.ref('excluded.title'),
        subject: eb.ref('excluded.subject'),
        grade_min: eb.ref('excluded.grade_min'),
        grade_max: eb.ref('excluded.grade_max'),
        body: eb.ref('excluded.body'),
        source: eb.ref('excluded.source'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
  return passages.length;
}

/** Markdown passages under gs://bucket/prefix (ids are paths below the prefix, without `.md`). */
export async function readPassagesFromBucket(storage: Storage, uri: string): Promise<Passage[]> {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`corpus_uri_invalid: ${uri} is not gs://bucket/prefix`);
  const [, bucket, prefix = ''] = match;
  const [files] = await storage.bucket(bucket!).getFiles({ prefix });
  const markdown = files
    .filter((f) => f.name.endsWith('.md') && !/(^|\/)readme\.md$/i.test(f.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    markdown.map(async (f) => {
      const [content] = await f.download();
      return parsePassage(
        f.name.slice(prefix.length).replace(/^\//, '').replace(/\.md$/, ''),
        content.toString('utf8'),
      );
    }),
  );
}

export async function ingestDirectory(db: Database, dir: string): Promise<number> {
  return upsertPassages(db, await readPassages(dir));
}
