/** Capability: open educational resources for a topic and grade. */
export type Passage = {
  id: string;
  title: string;
  subject: string;
  gradeMin: number;
  gradeMax: number;
  body: string;
  source: string | null;
};

export interface PassageQuery {
  terms: readonly string[];
  grade: number;
  limit: number;
}

export interface OerCorpus {
  search(query: PassageQuery, signal: AbortSignal): Promise<Passage[]>;
}
