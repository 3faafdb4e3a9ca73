'use strict';
// Writes the seed corpus tests/fuzz/seeds/: hand-picked configurations in the fuzzer's byte
// layout (tests/fuzz/fuzz_case.h), so fuzzing starts from every code path and
// tests/cpp/fuzz_replay_test.cc replays them in each native build. Run: node tests/fuzz/make_seeds.js

const fs = require('fs');
const path = require('path');

const FLAGS = { dilated: 1, nchw: 2, bias: 4, twoThreads: 8, specials: 16, wide: 32 };
const PADDING = { SAME: 0, VALID: 1, EXPLICIT: 2 };
const ACTIVATION = { linear: 0, relu: 1, relu6: 2, clamp: 3 };
const valueByte = (v) => Math.round(v * 32 + 128); // (b - 128) / 32 = v

function seed(s) {
  const flags = (s.flags || []).reduce((f, name) => f | FLAGS[name], 0);
  const [h, w] = s.strides || s.dilations || [1, 1];
  const [pt, pb, pl, pr] = s.pads || [0, 0, 0, 0];
  const [lo, hi] = s.clamp || [0, 0];
  const header = [
    s.N, s.H - 1, s.W - 1, s.C - 1, s.M - 1, s.O - 1, s.KH - 1, s.KW - 1, flags,
    h - 1, w - 1, PADDING[s.padding], pt, pb, pl, pr,
    ACTIVATION[s.activation || 'linear'], valueByte(lo), valueByte(hi), s.seed & 255, (s.seed >> 8) & 255,
  ];
  return Buffer.from([...header, ...(s.values || [])]);
}

const SEEDS = {
  'mobilenet-3x3-same-relu6': { N: 1, H: 16, W: 16, C: 8, M: 1, O: 10, KH: 3, KW: 3, padding: 'SAME', activation: 'relu6', seed: 1 },
  'stride2-5x5-nchw-bias-2threads': {
    N: 2, H: 24, W: 24, C: 8, M: 3, O: 10, KH: 5, KW: 5, strides: [2, 2], padding: 'SAME', flags: ['nchw', 'bias', 'twoThreads'], seed: 2,
  },
  'dilated-2x3-explicit-pads': {
    N: 1, H: 13, W: 11, C: 5, M: 2, O: 7, KH: 3, KW: 3, dilations: [2, 3], padding: 'EXPLICIT', pads: [1, 2, 3, 0], flags: ['dilated', 'bias'], seed: 3,
  },
  'stride3x1-valid-1x5': { N: 2, H: 10, W: 9, C: 3, M: 1, O: 4, KH: 1, KW: 5, strides: [3, 1], padding: 'VALID', activation: 'relu', seed: 4 },
  'batch0': { N: 0, H: 6, W: 5, C: 2, M: 2, O: 3, KH: 3, KW: 3, padding: 'SAME', seed: 5 },
  'nan-inf-input': {
    N: 1, H: 5, W: 5, C: 1, M: 1, O: 2, KH: 3, KW: 3, padding: 'SAME', flags: ['specials', 'bias'], activation: 'relu6', seed: 6,
    // 25 input bytes: a NaN at (1,1), +Inf at (3,3), -Inf at (0,4), the rest 1.
    values: Array.from({ length: 25 }, (_, i) => ({ 6: 0xfc, 18: 0xfd, 4: 0xfe }[i] ?? valueByte(1))),
  },
  'panel-split-few-rows-2threads': {
    N: 1, H: 5, W: 24, C: 8, M: 3, O: 40, KH: 5, KW: 5, padding: 'EXPLICIT', pads: [3, 3, 3, 3], flags: ['wide', 'twoThreads', 'bias'], seed: 7,
  },
  'clamp-nchw-multiplier3-2x4': {
    N: 1, H: 9, W: 7, C: 4, M: 3, O: 9, KH: 2, KW: 4, padding: 'SAME', flags: ['nchw'], activation: 'clamp', clamp: [-0.75, 1.5], seed: 8,
  },
  'minimal-1x1': { N: 1, H: 1, W: 1, C: 1, M: 1, O: 1, KH: 1, KW: 1, padding: 'VALID', seed: 9, values: [valueByte(2), valueByte(-1.5), valueByte(0.5)] },
  'kernel-larger-than-input-same': { N: 2, H: 2, W: 3, C: 2, M: 2, O: 5, KH: 5, KW: 5, padding: 'SAME', flags: ['bias'], seed: 10 },
  'stride3-explicit-nchw-2threads': {
    N: 2, H: 24, W: 23, C: 7, M: 3, O: 10, KH: 4, KW: 2, strides: [3, 3], padding: 'EXPLICIT', pads: [3, 0, 2, 1], flags: ['nchw', 'twoThreads'], seed: 11,
  },
};

const dir = path.join(__dirname, 'seeds');
fs.mkdirSync(dir, { recursive: true });
for (const [name, s] of Object.entries(SEEDS)) fs.writeFileSync(path.join(dir, name), seed(s));
console.log(`wrote ${Object.keys(SEEDS).length} seeds to ${dir}`);
