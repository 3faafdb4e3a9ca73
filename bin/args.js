'use strict';

// The command line of `sepconv-wasm`: parseArgs turns argv into what the CLI needs, or throws a
// UsageError (exit code 2) for anything wrong with the command line itself. Node's util.parseArgs
// reads the flags; values the library checks (strides, padding, dilations, data format,
// activation, threads) are only turned from text into values here: their rules live in one
// place, js/arguments.js and js/backends.js, and their messages reach the user from there.

const { parseArgs: parseFlags } = require('util');

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
option, a missing or malformed value, option values the op does not accept).
`;

class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

// Every value flag may be given once: `multiple` lets parseArgs show a second one, which would
// otherwise silently replace the first.
const OPTIONS = {
  output: { type: 'string', short: 'o', multiple: true },
  strides: { type: 'string', multiple: true },
  padding: { type: 'string', multiple: true },
  bias: { type: 'string', multiple: true },
  'data-format': { type: 'string', multiple: true },
  dilations: { type: 'string', multiple: true },
  activation: { type: 'string', multiple: true },
  threads: { type: 'string', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

/** "2", "1,2,2,1" or a JSON list "[1,2,2,1]": one value alone, else the list; the library checks them. */
function parseNumbers(flag, text) {
  const json = text.trim().startsWith('[') ? text : `[${text}]`;
  let values;
  try {
    values = JSON.parse(json);
  } catch (_) {
    throw new UsageError(`${flag}: expected a number, or numbers separated by commas or as a JSON list (2,2 or [2,2]); got ${JSON.stringify(text)}`);
  }
  return values.length === 1 ? values[0] : values;
}

/** SAME or VALID pass as they are; explicit padding is JSON. */
function parsePadding(text) {
  if (!text.trim().startsWith('[')) return text;
  try {
    return JSON.parse(text);
  } catch (_) {
    throw new UsageError(`--padding: not valid JSON: ${JSON.stringify(text)} (explicit padding looks like [[0,0],[1,1],[1,1],[0,0]])`);
  }
}

/** The flags' values, each given once and not empty, by flag name. */
function flagValues(argv) {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseFlags({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    if (String(error.code).startsWith('ERR_PARSE_ARGS_')) throw new UsageError(error.message);
    throw error;
  }
  const flags = {};
  for (const [name, given] of Object.entries(values)) {
    if (!Array.isArray(given)) {
      flags[name] = given;
      continue;
    }
    if (given.length > 1) throw new UsageError(`--${name} is given twice`);
    if (given[0] === '') throw new UsageError(`--${name} needs a value`);
    flags[name] = given[0];
  }
  return { flags, positionals };
}

/**
 * @param {string[]} argv  the arguments after the script's name
 * @returns {{help: true} | {version: true} | {input, depthwise, pointwise, output, bias, threads, quiet, options}}
 * @throws {UsageError}
 */
function parseArgs(argv) {
  const { flags, positionals } = flagValues(argv);
  if (flags.help) return { help: true };
  if (flags.version) return { version: true };
  if (positionals.length !== 3) {
    const got = positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(`expected 3 files, INPUT.npy DEPTHWISE.npy POINTWISE.npy; got ${got}`);
  }
  if (flags.output === undefined) throw new UsageError('-o/--output OUTPUT.npy is required: where to write the result');

  // Options left out stay out, so that the library's defaults and its "is required" apply.
  const options = {};
  if (flags.strides !== undefined) options.strides = parseNumbers('--strides', flags.strides);
  if (flags.padding !== undefined) options.padding = parsePadding(flags.padding);
  if (flags['data-format'] !== undefined) options.dataFormat = flags['data-format'];
  if (flags.dilations !== undefined) options.dilations = parseNumbers('--dilations', flags.dilations);
  if (flags.activation !== undefined) options.activation = flags.activation;
  const threads = flags.threads === undefined ? undefined : parseNumbers('--threads', flags.threads);
  const [input, depthwise, pointwise] = positionals;
  return { input, depthwise, pointwise, output: flags.output, bias: flags.bias, threads, quiet: Boolean(flags.quiet), options };
}

module.exports = { parseArgs, UsageError, HELP };
