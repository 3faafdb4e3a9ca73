'use strict';

// The browser benchmark's printed output: one markdown table per page, with a header line
// saying what each engine actually ran there.

const { fixed, times } = require('../report');

/**
 * The engines in column order (each is the page's engines/<name>.mjs), and the ratios:
 * [label, baseline]; a ratio is baseline ms / sepconv ms.
 */
const ENGINES = ['sepconv', 'tfjs-wasm', 'ort-web'];
const RATIOS = [['sepconv vs tfjs', 'tfjs-wasm'], ['sepconv vs ort', 'ort-web']];

// A layer measured while other processes used more cores than this is marked unreliable.
const BUSY_CORES = 0.3;

const cell = (e) => (e ? `${fixed(e.ms, 3)} [${fixed(e.p25, 3)}–${fixed(e.p75, 3)}]` : 'n/a');

function pageHeader({ name, crossOriginIsolated, engines }) {
  const described = ENGINES.map((engine) => engines[engine]?.describe ?? `${engine}: did not start`);
  return `### ${name} page (crossOriginIsolated: ${crossOriginIsolated})\n${described.join(' · ')}`;
}

function pageTable(page) {
  const lines = [
    pageHeader(page),
    '',
    `| layer | MFLOP | ${ENGINES.map((e) => `${e} ms`).join(' | ')} | ${RATIOS.map(([label]) => label).join(' | ')} |`,
    `|---|--:|${ENGINES.map(() => '--:').join('|')}|${RATIOS.map(() => '--:').join('|')}|`,
  ];
  for (const { layer, engines, ratios, busy } of page.layers) {
    const mflop = (layer.flops / 1e6).toPrecision(3);
    lines.push(`| ${layer.name}${busy ? ' *' : ''} | ${mflop} | ${ENGINES.map((e) => cell(engines[e])).join(' | ')} | ${RATIOS.map(([label]) => times(ratios[label])).join(' | ')} |`);
  }
  lines.push(`| **geomean** | | ${ENGINES.map(() => '').join(' | ')} | ${RATIOS.map(([label]) => `**${times(page.geomean[label])}**`).join(' | ')} |`);
  if (page.layers.some((l) => l.busy)) {
    lines.push('', `\\* other processes used more than ${BUSY_CORES} of a core while this layer was measured: its numbers are unreliable`);
  }
  return lines.join('\n');
}

module.exports = { ENGINES, RATIOS, BUSY_CORES, pageTable };
