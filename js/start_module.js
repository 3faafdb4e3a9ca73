'use strict';

// Starts one build's Emscripten factory, in Node.js and browsers alike, so that a bad .wasm is a
// NOT_BUILT error that names the file and says what is wrong, and leaves nothing running.
// Emscripten 3.1.6 itself rejects with a bare "RuntimeError: Aborted(...)", and the threaded
// build's pthread workers, which it starts before compiling, stay alive (a Node.js process
// never exits).

const { SeparableConv2dError } = require('./errors');
const { exposeMemory } = require('./backends');
const { bindParams } = require('./wasm_params');

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];  // '\0asm'

// Emscripten takes its options from the object it is given, inherited properties included: one
// a page added to Object.prototype (say onRuntimeInitialized or instantiateWasm) hung the load.
// Its object inherits nothing but hasOwnProperty, which Embind calls on it.
const MODULE_BASE = Object.create(null, { hasOwnProperty: { value: Object.prototype.hasOwnProperty } });

const hex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
// The bytes as text too, so that an HTML page or an error message shows as one.
const ascii = (bytes) => String.fromCharCode(...bytes).replace(/[^\x20-\x7e]/g, '.');

/** What is wrong with `bytes` (a Uint8Array) as a wasm module, as a phrase; null if nothing. */
async function wasmProblem(bytes, contentType) {
  const head = bytes.subarray(0, 16);
  if (!WASM_MAGIC.every((byte, i) => head[i] === byte)) {
    const type = contentType ? `content type '${contentType}', ` : '';
    return `is not a wasm module (${type}${bytes.length} bytes, starting ${hex(head)}: '${ascii(head)}')`;
  }
  if (WebAssembly.validate(bytes)) return null;
  // Only the compiler says why.
  return WebAssembly.compile(bytes).then(() => null, (error) => `does not compile: ${error.message}`);
}

/**
 * Resolves to the module made by createModule (the build's Emscripten factory) with `options`,
 * whose glue came from `files.js` and whose wasmBinary, if any, from `files.wasm` (paths or
 * URLs; the browser builds carry their wasm inside).
 * @param {{variant: string, files: {js: string, wasm?: string}, contentType?: string}} source
 *   contentType: what the server said the .wasm was, if it came over HTTP
 */
async function startModule(createModule, options, { variant, files, contentType }) {
  if (options.wasmBinary) {
    const bytes = ArrayBuffer.isView(options.wasmBinary) ? options.wasmBinary : new Uint8Array(options.wasmBinary);
    const problem = await wasmProblem(bytes, contentType);
    if (problem) {
      throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: ${files.wasm} ${problem}`);
    }
  }
  const from = files.wasm ? `from ${files.wasm} with ${files.js} (are both from the same build?)` : `from ${files.js}`;
  // Emscripten makes this object its Module: the one that is returned, or has the threaded
  // build's PThread after a failure.
  const moduleObject = Object.assign(Object.create(MODULE_BASE), options);
  let module;
  try {
    module = await createModule(moduleObject);
  } catch (error) {
    if (moduleObject.PThread) moduleObject.PThread.terminateAllThreads();
    throw new SeparableConv2dError('NOT_BUILT',
      `the '${variant}' wasm build did not start ${from}: ${error.message}`);
  }
  return bindParams(exposeMemory(module));
}

module.exports = { startModule };
