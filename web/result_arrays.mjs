// Result arrays for a page, made ready on another thread.
//
// Every call returns its result in a new Float32Array. In Chromium a new buffer comes fresh from
// the operating system (measured for buffers from tens of kilobytes up), and its first writes
// cost a page fault per 4 KiB: on a virtual machine, several milliseconds per megabyte, more
// than the computation itself, and all of it blocking the page. So a small worker allocates buffers of
// the sizes the page's layers return, touches every page, and transfers them to the page, which
// takes one per call, waiting for it if none is ready. The faults then happen beside the
// computation, off the page's thread. Without a worker (a Content-Security-Policy without blob:
// workers, say) results are allocated on the page as usual.

// Smaller results cost little to allocate on the page, less than a round trip to the worker.
const MIN_BYTES = 64 * 1024;
// Buffers ready or on their way, per size: two keep a loop of calls supplied.
const AHEAD = 2;
// Memory held in ready buffers at most; the sizes used least recently go first.
const MAX_HELD_BYTES = 64 * 1024 * 1024;

// The worker, as a blob URL so that it needs no file of its own (and so no bundler config).
const WORKER_SOURCE = `onmessage = ({ data: bytes }) => {
  const buffer = new ArrayBuffer(bytes);
  const pages = new Uint8Array(buffer);
  for (let i = 0; i < bytes; i += 4096) pages[i] = 0;
  postMessage(buffer, [buffer]);
};`;

function startWorker() {
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    return worker;
  } catch (_) {
    return null;  // refused (CSP, no Worker): results are allocated on the page
  }
}

/**
 * { take(length), close() }: take() gives a new result array of `length` floats, or a Promise of
 * one when it has to wait for the worker.
 */
export function createResultArrays() {
  let worker;  // started on first need; null if it cannot be
  // bytes -> { ready: ArrayBuffer[], coming: number, waiting: resolve functions }; in order of last use
  const sizes = new Map();
  let heldBytes = 0;

  function stock(bytes) {
    let size = sizes.get(bytes);
    if (size) sizes.delete(bytes);  // re-inserted last: the most recently used
    else size = { ready: [], coming: 0, waiting: [] };
    sizes.set(bytes, size);
    return size;
  }

  function receive({ data: buffer }) {
    const size = sizes.get(buffer.byteLength);
    if (!size) return;  // a size dropped meanwhile: let the buffer go
    size.coming -= 1;
    if (size.waiting.length > 0) {
      size.waiting.shift()(new Float32Array(buffer));
      return;
    }
    size.ready.push(buffer);
    heldBytes += buffer.byteLength;
    for (const [bytes, other] of sizes) {  // least recently used first
      if (heldBytes <= MAX_HELD_BYTES || other === size) break;
      heldBytes -= bytes * other.ready.length;
      sizes.delete(bytes);
    }
  }

  function take(length) {
    const bytes = length * 4;
    if (bytes < MIN_BYTES) return new Float32Array(length);
    if (worker === undefined) {
      worker = startWorker();
      if (worker) worker.onmessage = receive;
    }
    if (!worker) return new Float32Array(length);
    const size = stock(bytes);
    const buffer = size.ready.pop();
    if (buffer) heldBytes -= bytes;
    const result = buffer ? new Float32Array(buffer) : new Promise((resolve) => size.waiting.push(resolve));
    // Enough on the way for this call's waiting and the next calls'.
    while (size.ready.length + size.coming < AHEAD + size.waiting.length) {
      worker.postMessage(bytes);
      size.coming += 1;
    }
    return result;
  }

  function close() {
    if (worker) worker.terminate();
    worker = undefined;
    for (const [bytes, size] of sizes) size.waiting.forEach((resolve) => resolve(new Float32Array(bytes / 4)));
    sizes.clear();
    heldBytes = 0;
  }

  return { take, close };
}
