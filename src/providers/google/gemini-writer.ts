/**
 * The lesson writer on Gemini (Vertex AI) through @google/genai. Structured
 * output with the contract's own JSON Schemas; the reply is validated, one
 * repair attempt follows an invalid one, then the error is permanent. Safety
 * blocks and empty replies are permanent; 429, 5xx, network errors and
 * timeouts are transient.
 */
import type { GoogleGenAI, GenerateContentResponse } from '@google/genai';
import type { ValidateFunction } from 'ajv';
import type { Generator } from '../../contract/types.js';
import { componentSchema } from '../../contract/openapi.js';
import { describeErrors, type ContractValidators } from '../../contract/validators.js';
import { PermanentError, TransientError } from '../../pipeline/pipeline.js';
import type { LessonWriter, Usage, Written } from '../lesson-writer.js';
import { SCRIPT_PROMPT_VERSION, SCRIPT_SYSTEM, scriptUserPrompt } from './prompts/script-v1.js';
import {
  UNDERSTAND_PROMPT_VERSION,
  UNDERSTAND_SYSTEM,
  understandUserPrompt,
} from './prompts/understand-v1.js';

/** USD per million tokens (input, output), for the logged estimate only. */
const PRICES: Record<string, [number, number]> = {
  'gemini-2.5-flash': [0.3, 2.5],
  'gemini-2.5-flash-lite': [0.1, 0.4],
  'gemini-2.5-pro': [1.25, 10],
};

const BLOCKING_FINISH = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
]);

export function usageOf(model: string, response: GenerateContentResponse): Usage {
  const input = response.usageMetadata?.promptTokenCount;
  const output = response.usageMetadata?.candidatesTokenCount;
  const price = PRICES[model];
  return {
    ...(input !== undefined ? { input_tokens: input } : {}),
    ...(output !== undefined ? { output_tokens: output } : {}),
    ...(price && input !== undefined && output !== undefined
      ? { estimated_cost_usd: Number(((input * price[0] + output * price[1]) / 1e6).toFixed(6)) }
      : {}),
  };
}

const sumUsage = (a: Usage, b: Usage): Usage => {
  const add = (x?: number, y?: number) =>
    x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
  const out: Usage = {};
  const i = add(a.input_tokens, b.input_tokens);
  const o = add(a.output_tokens, b.output_tokens);
  const c = add(a.estimated_cost_usd, b.estimated_cost_usd);
  if (i !== undefined) out.input_tokens = i;
  if (o !== undefined) out.output_tokens = o;
  if (c !== undefined) out.estimated_cost_usd = Number(c.toFixed(6));
  return out;
};

/** What a failed call means for the delivery. */
export function classifyGeminiError(err: unknown): Error {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const e = err as { name?: string; status?: unknown; message?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return err as Error;
  if (typeof e?.status === 'number') {
    if (e.status === 429 || e.status >= 500 || e.status === 401 || e.status === 403)
      return new TransientError('model_unavailable', `Gemini answered ${e.status}`, { cause: err });
    return new PermanentError(
      'model_request_rejected',
      `Gemini refused the request (${e.status}): ${String(e.message).slice(0, 200)}`,
      { cause: err },
    );
  }
  return new TransientError(
    'model_unreachable',
    `Gemini could not be reached: ${String(e?.message ?? err).slice(0, 200)}`,
    { cause: err },
  );
}

/** The reply's text, or a permanent error for a blocked or empty reply. */
export function replyText(response: GenerateContentResponse): string {
  const blocked = response.promptFeedback?.blockReason;
  if (blocked)
    throw new PermanentError('content_blocked', `the model blocked the request (${blocked})`);
  const candidate = response.candidates?.[0];
  if (candidate?.finishReason && BLOCKING_FINISH.has(candidate.finishReason))
    throw new PermanentError(
      'content_blocked',
      `the model stopped its answer (${candidate.finishReason})`,
    );
  const text = response.text;
  if (!text) throw new PermanentError('empty_model_reply', 'the model returned no content');
  return text;
}

export interface GeminiWriterOptions {
  client: () => Promise<GoogleGenAI>;
  model: string;
  validators: ContractValidators;
}

export function createGeminiLessonWriter({
  client,
  model,
  validators,
}: GeminiWriterOptions): LessonWriter {
  async function structured<T>(
    stage: string,
    system: string,
    user: string,
    schemaName: string,
    validate: ValidateFunction<T>,
    promptVersion: string,
    signal: AbortSignal,
  ): Promise<Written<T>> {
    const ai = await client();
    const schema = componentSchema(schemaName);
    let usage: Usage = {};
    const contents: { role: 'user' | 'model'; parts: { text: string }[] }[] = [
      { role: 'user', parts: [{ text: user }] },
    ];
    for (let attempt = 1; attempt <= 2; attempt++) {
      let response: GenerateContentResponse;
      try {
        response = await ai.models.generateContent({
          model,
          contents,
          config: {
            systemInstruction: system,
            responseMimeType: 'application/json',
            responseJsonSchema: schema,
            temperature: 0.4,
            abortSignal: signal,
          },
        });
      } catch (err) {
        throw classifyGeminiError(err);
      }
      usage = sumUsage(usage, usageOf(model, response));
      const text = replyText(response);
      let problem: string;
      try {
        const value: unknown = JSON.parse(text);
        if (validate(value))
          return {
            value,
            usage,
            generator: { kind: 'gemini', model, prompt_version: promptVersion } satisfies Generator,
          };
        problem = describeErrors(validate.errors);
      } catch {
        problem = 'the reply is not valid JSON';
      }
      if (attempt === 2)
        throw new PermanentError(
          'invalid_model_output',
          `${stage}: the model's answer did not fit the schema after a repair attempt (${problem})`,
        );
      // One repair attempt: show the model its answer and what is wrong with it.
      contents.push(
        { role: 'model', parts: [{ text }] },
        {
          role: 'user',
          parts: [
            {
              text: `That answer is invalid: ${problem}. Answer again with JSON that follows the schema exactly.`,
            },
          ],
        },
      );
    }
    throw new Error('unreachable');
  }

  return {
    understand: (input, signal) =>
      structured(
        'understand',
        UNDERSTAND_SYSTEM,
        understandUserPrompt(input),
        'Understanding',
        validators.understanding,
        UNDERSTAND_PROMPT_VERSION,
        signal,
      ),
    writeScript: (input, signal) =>
      structured(
        'script',
        SCRIPT_SYSTEM,
        scriptUserPrompt(input),
        'LessonScript',
        validators.lessonScript,
        SCRIPT_PROMPT_VERSION,
        signal,
      ),
  };
}
