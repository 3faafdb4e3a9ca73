// The status bar and the error box: which build runs, the wasm memory, and the library's errors
// in its own words.

import { $, session } from './state.mjs';
import { threadsText } from './format.mjs';

export function showError(error) {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = error.code ? `${error.name} ${error.code}` : (error.name || 'Error');
  const message = document.createElement('span');
  message.className = 'message';
  message.textContent = error.message;
  box.replaceChildren(code, message);
  box.hidden = false;
}

export async function updateMemory() {
  const memory = await session.lib.getMemoryInfo();
  if (memory) {
    const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
    $('status-memory').textContent = `wasm ${mib(memory.wasmMemoryBytes)}, ${mib(memory.heapBytesInUse)} in use`;
  }
}

/** The build and threads init() chose. */
export function showBackend(info) {
  $('status-backend').textContent =
    `${info.variant} · ${threadsText(info.threads)}` +
    `${info.crossOriginIsolated ? ' · cross-origin isolated' : ''}`;
  $('status-backend').dataset.variant = info.variant;
  $('status-backend').dataset.threads = String(info.threads);
}

/** Why the library cannot run. */
export function showBackendFailure(text) {
  $('status-backend').textContent = text;
  $('status-backend').className = 'bad';
}
