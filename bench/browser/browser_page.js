'use strict';

// One benchmark page in Chromium: bench/browser/page.html served from the repository root by
// the browser tests' static server, with or without cross-origin isolation, and its hooks
// (page.mjs) as async functions.

const path = require('path');
const { startServer } = require('../../tests/browser/static_server');

const ROOT = path.resolve(__dirname, '..', '..');
const PAGE = '/bench/browser/page.html';
// Far above any hook's time here: measuring the slowest layer takes seconds.
const HOOK_TIMEOUT_MS = 120000;
const HOOKS = ['start', 'prepare', 'measure', 'sample', 'busy', 'release'];  // window.bench's, in page.mjs

async function openBenchPage(browser, { isolated }) {
  const server = await startServer(ROOT, { isolated });
  const page = await browser.newPage();
  // What the page reports on its own (a script that did not load, a 404), for error messages.
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });
  const close = async () => {
    await page.close();
    await server.close();
  };
  try {
    await page.goto(`${server.url}${PAGE}`);
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 30000 });
  } catch (error) {
    await close();
    throw new Error(`the benchmark page did not load: ${error.message}\n  ${problems.join('\n  ')}`);
  }
  // An engine that never answers (a deadlocked worker) must fail the run, not hang it.
  const call = (hook, arg) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page's ${hook}() did not finish within ${HOOK_TIMEOUT_MS / 1000} s`)), HOOK_TIMEOUT_MS);
    });
    const evaluation = page.evaluate(([name, value]) => window.bench[name](value), [hook, arg]);
    return Promise.race([evaluation, timeout]).finally(() => clearTimeout(timer));
  };
  const hooks = Object.fromEntries(HOOKS.map((hook) => [hook, (arg) => call(hook, arg)]));
  return { ...hooks, problems, close };
}

module.exports = { openBenchPage };
