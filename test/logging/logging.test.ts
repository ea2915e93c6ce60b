import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { parseTraceHeaders, traceLogFields } from '../../src/logging/trace.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('debug', sink) };
}

describe('structured logs for Cloud Logging', () => {
  it('writes severity, message and time, with no numeric level, pid or hostname', () => {
    const { lines, logger } = capture();
    logger.warn({ request_id: 'r1' }, 'hello %s', 'there');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ severity: 'WARNING', message: 'hello there', request_id: 'r1' });
    expect(Date.parse(line.time)).not.toBeNaN();
    expect(line).not.toHaveProperty('level');
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
  });

  it('maps every level to a Cloud Logging severity', () => {
    const { lines, logger } = capture();
    logger.debug('d');
    logger.info('i');
    logger.error('e');
    logger.fatal('f');
    expect(lines.map((l) => JSON.parse(l).severity)).toEqual([
      'DEBUG',
      'INFO',
      'ERROR',
      'CRITICAL',
    ]);
  });

  it('redacts student text and tokens wherever they are passed', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        student_query: 'SECRET-Q',
        interest: 'SECRET-I',
        token: 'SECRET-T',
        req: { headers: { authorization: 'Bearer SECRET-A' } },
        nested: { student_query: 'SECRET-N' },
      },
      'x',
    );
    expect(lines.join('\n')).not.toMatch(/SECRET/);
    expect(JSON.parse(lines[0]!).nested).toEqual({ student_query: '[redacted]' });
  });

  it("redacts secrets bound to a child logger and leaves other fields and the caller's object alone", () => {
    const { lines, logger } = capture();
    const fields = { request_id: 'r1', err: { message: 'boom', token: 'SECRET-E' } };
    logger.child({ student_query: 'SECRET-C', request_id: 'r0' }).warn(fields, 'x');
    expect(lines.join('\n')).not.toMatch(/SECRET/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ request_id: 'r1', err: { message: 'boom' } });
    expect(fields.err.token).toBe('SECRET-E');
  });
});

describe('trace correlation', () => {
  it('reads traceparent', () => {
    const trace = parseTraceHeaders({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(traceLogFields(trace, 'proj')).toEqual({
      'logging.googleapis.com/trace': 'projects/proj/traces/0af7651916cd43dd8448eb211c80319c',
      'logging.googleapis.com/spanId': 'b7ad6b7169203331',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('reads X-Cloud-Trace-Context, converting the decimal span id to hex', () => {
    const trace = parseTraceHeaders({
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=0',
    });
    expect(traceLogFields(trace, undefined)).toEqual({
      'logging.googleapis.com/trace': '105445aa7843bc8bf206b12000100000',
      'logging.googleapis.com/spanId': '0000000000000001',
      'logging.googleapis.com/trace_sampled': false,
    });
  });

  it('prefers traceparent and ignores malformed headers', () => {
    expect(
      parseTraceHeaders({ traceparent: 'garbage', 'x-cloud-trace-context': 'nope' }),
    ).toBeUndefined();
    expect(traceLogFields(undefined, 'p')).toEqual({});
  });
});
