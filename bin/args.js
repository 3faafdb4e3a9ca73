'use strict';

// The command line of `sepconv-wasm`: parseArgs turns argv into what the CLI needs, or throws a
// UsageError (exit code 2) for anything wrong with the command line itself. Values the library
// checks (strides, dilations, explicit padding) are only parsed here; their rules live in one
// place, js/arguments.js.

const HELP = `Usage: sepconv-wasm INPUT.npy DEPTHWISE.npy POINTWISE.npy -o OUTPUT.npy --strides S --padding P [options]

TensorFlow's tf.nn.separable_conv2d on NumPy .npy files, computed by the sepconv-wasm
WebAssembly module. Prints the shapes, the time and the wasm build used.

Arguments:
  INPUT.npy            the input, [N,H,W,C] (NHWC) or [N,C,H,W] (NCHW)
  DEPTHWISE.npy        the depthwise filter, [KH,KW,C,M]
  POINTWISE.npy        the pointwise filter, [1,1,C*M,O]
                       .npy files as numpy.save writes them: float32 or float64, either byte
                       order, C order (not Fortran order). Computation is float32.

Required:
  -o, --output FILE    where to write the result: a float32 .npy file, [N,OH,OW,O] (NHWC)
                       or [N,O,OH,OW] (NCHW)
  --strides S          depthwise strides: one number (2), two (2,2 = [sh,sw]) or four in the
                       data format's order (1,2,2,1 for NHWC, 1,1,2,2 for NCHW);
                       commas or a JSON list ([1,2,2,1])
  --padding P          SAME, VALID (any case), or explicit padding as JSON in the data
                       format's order: '[[0,0],[1,1],[2,2],[0,0]]' (NHWC: top/bottom,
                       left/right), '[[0,0],[0,0],[1,1],[2,2]]' (NCHW)

Options:
  --bias FILE          a .npy vector of length O, added after the pointwise sum
  --data-format F      NHWC (default) or NCHW; the filters keep their layout in both
  --dilations D        depthwise dilations: one number or dh,dw (default 1); a dilation > 1
                       needs strides of 1
  --activation A       linear (default), relu or relu6, applied last
  --threads N          threads to compute with, 1 to 64 (default: the number of cores, at
                       most 8)
  -q, --quiet          print nothing on success
  -h, --help           show this help
  --version            print the version

Examples:
  sepconv-wasm x.npy dw.npy pw.npy -o y.npy --strides 1,2,2,1 --padding SAME
  sepconv-wasm x.npy dw.npy pw.npy -o y.npy --strides 1 --padding '[[0,0],[1,1],[1,1],[0,0]]' \\
      --bias b.npy --activation relu6 --threads 2
  (from an npm project that depends on sepconv-wasm: npx sepconv-wasm ...)

Making the files with NumPy, and checking the first example against TensorFlow, in Python:
  import numpy as np
  r = np.random.default_rng(0)
  np.save('x.npy', r.standard_normal((1, 32, 32, 3), dtype=np.float32))
  np.save('dw.npy', r.standard_normal((3, 3, 3, 2), dtype=np.float32))
  np.save('pw.npy', r.standard_normal((1, 1, 6, 16), dtype=np.float32))
  # ... run sepconv-wasm, then:
  import tensorflow as tf
  y = tf.nn.separable_conv2d(np.load('x.npy'), np.load('dw.npy'), np.load('pw.npy'),
                             strides=[1, 2, 2, 1], padding='SAME')
  print(np.abs(np.load('y.npy') - y.numpy()).max())  # float32 rounding only

Exit status: 0 on success; 1 when a file cannot be read or written, is not a float32/float64
.npy file, or its shapes do not fit the others; 2 when the command line is wrong (an unknown
option, a missing or malformed value, strides/padding/dilations the op does not accept).
`;

class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

// Flags that take a value, by every spelling, mapped to their key in the result.
const VALUE_FLAGS = {
  '-o': 'output', '--output': 'output',
  '--strides': 'strides', '--padding': 'padding', '--bias': 'bias',
  '--data-format': 'dataFormat', '--dilations': 'dilations', '--activation': 'activation',
  '--threads': 'threads',
};
const SWITCHES = { '-q': 'quiet', '--quiet': 'quiet', '-h': 'help', '--help': 'help', '--version': 'version' };
const FLAG_NAMES = { output: '-o/--output', strides: '--strides', padding: '--padding', dataFormat: '--data-format', dilations: '--dilations', activation: '--activation', threads: '--threads', bias: '--bias' };

/** "1", "2,2", "1,2,2,1" or a JSON list, to a number or an array of numbers (checked by the library). */
function parseNumberList(flag, text) {
  const trimmed = text.trim();
  let values;
  if (trimmed.startsWith('[')) {
    try {
      values = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`${flag}: not a valid JSON list: ${JSON.stringify(text)}`);
    }
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) {
      throw new UsageError(`${flag}: expected a list of numbers; got ${JSON.stringify(text)}`);
    }
  } else {
    const parts = trimmed.split(',').map((part) => part.trim());
    if (!parts.every((part) => /^[0-9]+$/.test(part))) {
      throw new UsageError(`${flag}: expected integers separated by commas, such as 2 or 1,2,2,1; got ${JSON.stringify(text)}`);
    }
    values = parts.map(Number);
  }
  return values.length === 1 ? values[0] : values;
}

/** 'SAME', 'VALID' (any case) or explicit padding as JSON. */
function parsePaddingValue(text) {
  const trimmed = text.trim();
  if (/^(same|valid)$/i.test(trimmed)) return trimmed.toUpperCase();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`--padding: not valid JSON: ${JSON.stringify(text)} (explicit padding looks like [[0,0],[1,1],[1,1],[0,0]])`);
    }
  }
  throw new UsageError(`--padding: expected SAME, VALID or explicit padding such as [[0,0],[1,1],[1,1],[0,0]]; got ${JSON.stringify(text)}`);
}

/**
 * @param {string[]} argv  the arguments after the script's name
 * @returns {{help: true} | {version: true} | {input, depthwise, pointwise, output, bias, threads, quiet, options}}
 * @throws {UsageError}
 */
function parseArgs(argv) {
  const raw = {};
  const positional = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(SWITCHES, flag)) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      raw[SWITCHES[flag]] = true;
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(VALUE_FLAGS, flag)) {
      throw new UsageError(`unknown option ${flag}`);
    }
    const key = VALUE_FLAGS[flag];
    let value;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      const looksLikeFlag = value !== undefined && (Object.prototype.hasOwnProperty.call(VALUE_FLAGS, value) ||
        Object.prototype.hasOwnProperty.call(SWITCHES, value));
      if (value === undefined || looksLikeFlag) throw new UsageError(`${flag} needs a value`);
      i++;
    }
    if (value === '') throw new UsageError(`${flag} needs a value`);
    if (raw[key] !== undefined) throw new UsageError(`${FLAG_NAMES[key]} is given twice`);
    raw[key] = value;
  }

  if (raw.help) return { help: true };
  if (raw.version) return { version: true };
  if (positional.length !== 3) {
    const got = positional.length === 0 ? 'none' : positional.map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(`expected 3 files, INPUT.npy DEPTHWISE.npy POINTWISE.npy; got ${got}`);
  }
  for (const key of ['output', 'strides', 'padding']) {
    if (raw[key] === undefined) {
      const hint = { output: ' OUTPUT.npy', strides: ' (for example --strides 1)', padding: ' (for example --padding SAME)' }[key];
      throw new UsageError(`${FLAG_NAMES[key]} is required${hint}`);
    }
  }

  const options = {
    strides: parseNumberList('--strides', raw.strides),
    padding: parsePaddingValue(raw.padding),
  };
  if (raw.dataFormat !== undefined) {
    if (raw.dataFormat !== 'NHWC' && raw.dataFormat !== 'NCHW') {
      throw new UsageError(`--data-format: expected NHWC or NCHW; got ${JSON.stringify(raw.dataFormat)}`);
    }
    options.dataFormat = raw.dataFormat;
  }
  if (raw.dilations !== undefined) options.dilations = parseNumberList('--dilations', raw.dilations);
  if (raw.activation !== undefined) {
    if (!['linear', 'relu', 'relu6'].includes(raw.activation)) {
      throw new UsageError(`--activation: expected linear, relu or relu6; got ${JSON.stringify(raw.activation)}`);
    }
    options.activation = raw.activation;
  }
  let threads;
  if (raw.threads !== undefined) {
    threads = /^[0-9]+$/.test(raw.threads) ? Number(raw.threads) : NaN;
    if (!(threads >= 1 && threads <= 64)) {
      throw new UsageError(`--threads: expected an integer from 1 to 64; got ${JSON.stringify(raw.threads)}`);
    }
  }
  const [input, depthwise, pointwise] = positional;
  return { input, depthwise, pointwise, output: raw.output, bias: raw.bias, threads, quiet: Boolean(raw.quiet), options };
}

module.exports = { parseArgs, UsageError, HELP };
