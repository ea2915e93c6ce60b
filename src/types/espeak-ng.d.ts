// The npm espeak-ng package (WASM, ESM) ships no types; this is the part we use.
declare module 'espeak-ng' {
  interface ESpeakInstance {
    FS: { readFile(path: string): Uint8Array };
  }
  const ESpeakNg: (options: { arguments: string[] }) => Promise<ESpeakInstance>;
  export default ESpeakNg;
}
