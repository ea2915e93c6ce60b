import { describe, expect, it } from 'vitest';
import { compileValidators } from '../../src/contract/validators.js';
import { decodeDelivery } from '../../src/delivery/decode.js';
import { contentRequest, envelope } from '../support/envelope.js';

const validators = compileValidators();
const decode = (body: unknown) => decodeDelivery(body, validators);
const outcomeOf = (body: unknown) => {
  const d = decode(body);
  return d.ok ? 'ok' : d.decision.outcome;
};

describe('decoding a push delivery', () => {
  it('accepts a valid envelope and fills the defaults', () => {
    const payload = contentRequest();
    delete payload.modality;
    const d = decode(envelope(payload, { messageId: 'm-1' }));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.messageId).toBe('m-1');
    expect(d.request.modality).toBe('video');
    expect(d.request.language).toBe('en-US');
  });

  it('normalises the UUID to lower case and trims the query', () => {
    const d = decode(
      envelope(
        contentRequest({
          request_id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
          student_query: '   photosynthesis  ',
        }),
      ),
    );
    expect(d.ok && d.request.request_id).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(d.ok && d.request.student_query).toBe('photosynthesis');
  });

  it('ignores unknown fields and takes correlation_id from the attributes', () => {
    const d = decode(
      envelope(contentRequest({ future_field: { x: 1 } }), {
        attributes: { correlation_id: 'corr-7' },
      }),
    );
    expect(d.ok && d.correlationId).toBe('corr-7');
    expect(d.ok && d.request.correlation_id).toBe('corr-7');
  });

  it.each([
    ['not an object', 'hello'],
    ['no message', { subscription: 's' }],
    ['no subscription', { message: { data: '', messageId: '1' } }],
    ['data not a string', { message: { data: 5, messageId: '1' }, subscription: 's' }],
    ['no messageId', { message: { data: '' }, subscription: 's' }],
    ['deliveryAttempt 0', { ...envelope(contentRequest()), deliveryAttempt: 0 }],
  ])('invalid_envelope: %s', (_name, body) => {
    expect(outcomeOf(body)).toBe('invalid_envelope');
  });

  it('invalid_envelope: data that is not base64', () => {
    expect(outcomeOf(envelope(null, { rawData: 'not base64!' }))).toBe('invalid_envelope');
    expect(outcomeOf(envelope(null, { rawData: 'abc' }))).toBe('invalid_envelope');
  });

  it.each([
    ['empty data', ''],
    ['not JSON', Buffer.from('{nope').toString('base64')],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]).toString('base64')],
    ['a JSON array', Buffer.from('[1,2]').toString('base64')],
    ['JSON null', Buffer.from('null').toString('base64')],
  ])('invalid_payload: %s', (_name, rawData) => {
    expect(outcomeOf(envelope(null, { rawData }))).toBe('invalid_payload');
  });

  it.each([
    ['bad UUID', { request_id: 'not-a-uuid' }],
    ['UUID with braces', { request_id: '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}' }],
    ['grade 13', { grade_level: 13 }],
    ['grade as string', { grade_level: '7' }],
    ['grade fractional', { grade_level: 7.5 }],
    ['empty query', { student_query: '   ' }],
    ['query too long', { student_query: 'x'.repeat(2001) }],
    ['student_id too long', { student_id: 's'.repeat(129) }],
    ['interest too long', { interest: 'i'.repeat(101) }],
    ['unknown modality', { modality: 'audio' }],
    ['bad language tag', { language: 'english please' }],
    ['NUL in query', { student_query: 'hello\u0000world' }],
    ['NUL in student_id', { student_id: 'a\u0000' }],
    ['NUL in interest', { interest: '\u0000' }],
  ])('invalid_payload: %s', (_name, overrides) => {
    const d = decode(envelope(contentRequest(overrides)));
    expect(d.ok ? 'ok' : d.decision.outcome).toBe('invalid_payload');
  });

  it('keeps a well-formed request_id from a refused payload (to mark it dead-lettered later)', () => {
    const payload = contentRequest({ grade_level: 99 });
    const d = decode(envelope(payload, { deliveryAttempt: 2 }));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.requestId).toBe(payload.request_id);
    expect(d.envelopeAttempt).toBe(2);
    expect(d.decision.detail).toContain('grade_level');
  });

  it('accepts a query of 2000 characters once trimmed', () => {
    expect(
      outcomeOf(envelope(contentRequest({ student_query: '  ' + 'q'.repeat(2000) + '\n' }))),
    ).toBe('ok');
  });

  it('never puts the query text into the detail', () => {
    const d = decode(envelope(contentRequest({ student_query: 'SECRET-QUESTION\u0000' })));
    expect(!d.ok && d.decision.detail).not.toContain('SECRET-QUESTION');
  });
});
