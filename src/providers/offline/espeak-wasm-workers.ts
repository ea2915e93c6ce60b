/**
 * The espeak-ng WASM build on worker threads. A synthesis runs to completion once started and takes a few
 * hundred ms of CPU: on the main thread it would stall every delivery in flight (issue #8 measured 250 ms).
 * A few workers, started on first use and unref'd; one job per worker at a time; an aborted job's worker is
 * terminated, which is the only way to stop WASM mid-run.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { TransientError } from '../../pipeline/pipeline.js';

// CommonJS, evaluated: the worker needs no file of its own, so it runs the same under tsx, vitest and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = import(workerData.moduleUrl);
parentPort.on('message', async ({ args }) => {
  try {
    const { default: ESpeakNg } = await loaded;
    const instance = await ESpeakNg({ arguments: args, print: () => {}, printErr: () => {} });
    const wav = instance.FS.readFile('/out.wav').slice();
    parentPort.postMessage({ ok: true, wav }, [wav.buffer]);
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
  }
});
`;

type Reply = { ok: true; wav: Uint8Array } | { ok: false; message: string };

export type WasmSpeaker = (args: readonly string[], signal: AbortSignal) => Promise<Buffer>;

export function createWasmSpeaker(size: number): WasmSpeaker {
  const moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve('espeak-ng')).href;
  const limit = pLimit(size);
  const idle: Worker[] = [];

  function run(worker: Worker, args: readonly string[], signal: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const settle = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
      };
      const onMessage = (reply: Reply) => {
        settle();
        if (reply.ok)
          resolve(Buffer.from(reply.wav.buffer, reply.wav.byteOffset, reply.wav.length));
        else reject(new TransientError('speech_failed', `espeak-ng (WASM): ${reply.message}`));
      };
      const onError = (err: Error) => {
        settle();
        reject(
          new TransientError('speech_failed', `espeak-ng (WASM) worker failed: ${err.message}`),
        );
      };
      const onExit = (code: number) => onError(new Error(`exited with code ${code}`));
      const onAbort = () => {
        settle();
        reject(signal.reason);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      signal.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ args });
    });
  }

  return (args, signal) =>
    limit(async () => {
      signal.throwIfAborted();
      const worker =
        idle.pop() ?? new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl } });
      worker.ref(); // a job in progress keeps the process alive; an idle worker does not
      try {
        const wav = await run(worker, args, signal);
        worker.unref();
        idle.push(worker);
        return wav;
      } catch (err) {
        void worker.terminate();
        throw err;
      }
    });
}
