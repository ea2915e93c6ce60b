/**
 * Trace correlation for Cloud Logging from `traceparent` (W3C) or
 * `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=1`), as fields a log line carries.
 */
export type TraceFields = Record<string, string | boolean>;

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/;

interface Trace {
  traceId: string;
  spanId: string | undefined;
  sampled: boolean | undefined;
}

export function parseTraceHeaders(
  headers: Record<string, string | string[] | undefined>,
): Trace | undefined {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const traceparent = one('traceparent')?.trim().match(TRACEPARENT);
  if (traceparent) {
    const [, traceId, spanId, flags] = traceparent as unknown as [string, string, string, string];
    return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
  }
  const cloud = one('x-cloud-trace-context')?.trim().match(CLOUD_TRACE);
  if (cloud) {
    const [, traceId, spanDecimal, sampled] = cloud;
    return {
      traceId: (traceId as string).toLowerCase(),
      // Cloud Logging wants the span id as 16 hex digits; this header carries it in decimal.
      spanId: spanDecimal
        ? BigInt(spanDecimal).toString(16).padStart(16, '0').slice(-16)
        : undefined,
      sampled: sampled === undefined ? undefined : sampled === '1',
    };
  }
  return undefined;
}

export function traceLogFields(
  trace: Trace | undefined,
  projectId: string | undefined,
): TraceFields {
  if (!trace) return {};
  const fields: TraceFields = {
    'logging.googleapis.com/trace': projectId
      ? `projects/${projectId}/traces/${trace.traceId}`
      : trace.traceId,
  };
  if (trace.spanId) fields['logging.googleapis.com/spanId'] = trace.spanId;
  if (trace.sampled !== undefined) fields['logging.googleapis.com/trace_sampled'] = trace.sampled;
  return fields;
}
