'use strict';

// What `sepconv-wasm` does: read the .npy files, run separableConv2d, write the result, print a
// summary. main() returns the exit code; every failure is one line on stderr, never a stack.

const { parseArgs, UsageError, HELP } = require('./args');
const { readNpy, writeNpy, NpyError } = require('../js/npy');
const { describe } = require('../js/errors');

const PROGRAM = 'sepconv-wasm';

// SeparableConv2dError codes that can only come from the command line's flags (the CLI builds
// the options from them and nothing else): a usage error, exit code 2.
const FLAG_ERROR_CODES = new Set(['BAD_OPTIONS', 'BAD_STRIDES', 'BAD_DILATIONS', 'BAD_PADDING', 'BAD_DATA_FORMAT']);
// Codes where naming the files and their shapes helps.
const SHAPE_ERROR_CODES = new Set(['BAD_SHAPE', 'BAD_TENSOR', 'BAD_OUTPUT_SIZE']);

class CliError extends Error {
  constructor(exitCode, message) {
    super(message);
    this.exitCode = exitCode;
  }
}

const oneLine = (text) => String(text).replace(/\s*\n\s*/g, ' ').trim();
// Shapes as the library writes them: a long one (a .npy header may claim millions of dimensions)
// summarized, so that a message stays one short line.
const shapeText = (shape) => describe(shape);
const dtypeText = (data) => (data instanceof Float64Array ? 'float64' : 'float32');

function fsErrorText(error) {
  const known = { ENOENT: 'no such file or directory', EISDIR: 'it is a directory', EACCES: 'permission denied', ENOTDIR: 'a parent is not a directory' };
  return known[error.code] ? `${known[error.code]} (${error.code})` : oneLine(error.message);
}

function readArray(role, file) {
  try {
    return { file, ...readNpy(file) };
  } catch (error) {
    if (error instanceof NpyError) throw new CliError(1, error.message);
    if (error.syscall) throw new CliError(1, `cannot read the ${role} file ${file}: ${fsErrorText(error)}`);
    throw error;
  }
}

async function run(args, out) {
  const x = readArray('input', args.input);
  const depthwise = readArray('depthwise filter', args.depthwise);
  const pointwise = readArray('pointwise filter', args.pointwise);
  const bias = args.bias === undefined ? undefined : readArray('bias', args.bias);
  if (bias && bias.shape.length !== 1) {
    throw new CliError(1, `${bias.file}: the bias must be a vector of length O (shape (O,)); got shape ${shapeText(bias.shape)}`);
  }

  const api = require('../js/index.js');
  try {
    const loadStart = performance.now();
    await api.init(args.threads === undefined ? {} : { threads: args.threads });
    const loadMs = performance.now() - loadStart;
    const options = { ...args.options, bias: bias && bias.data };
    const start = performance.now();
    const y = await api.separableConv2d(x, depthwise, pointwise, options);
    const ms = performance.now() - start;
    const backend = api.getBackendInfo();

    try {
      writeNpy(args.output, y);
    } catch (error) {
      throw new CliError(1, `cannot write the output file ${args.output}: ${fsErrorText(error)}`);
    }

    if (!args.quiet) {
      const rows = [
        ['input', x], ['depthwise', depthwise], ['pointwise', pointwise],
        ...(bias ? [['bias', bias]] : []),
        ['output', { file: args.output, ...y }],
      ];
      const width = Math.max(...rows.map(([, t]) => t.file.length));
      for (const [role, t] of rows) {
        const note = t.data instanceof Float64Array ? ' (computed in float32)' : '';
        out.write(`${role.padEnd(10)} ${t.file.padEnd(width)}  ${shapeText(t.shape)} ${dtypeText(t.data)}${note}\n`);
      }
      const o = args.options;
      const padding = typeof o.padding === 'string' ? o.padding : JSON.stringify(o.padding);
      out.write(`${'options'.padEnd(10)} strides ${JSON.stringify(o.strides)}, padding ${padding}, data format ${o.dataFormat || 'NHWC'}, ` +
        `dilations ${JSON.stringify(o.dilations === undefined ? 1 : o.dilations)}, activation ${o.activation || 'linear'}\n`);
      out.write(`${'time'.padEnd(10)} ${ms.toFixed(3)} ms (loading the wasm module: ${loadMs.toFixed(1)} ms)\n`);
      out.write(`${'backend'.padEnd(10)} ${backend.variant}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}, SIMD ${backend.simd ? 'on' : 'off'}\n`);
    }
  } catch (error) {
    if (error && error.name === 'SeparableConv2dError') {
      if (FLAG_ERROR_CODES.has(error.code)) throw new UsageError(error.message);
      let context = '';
      if (SHAPE_ERROR_CODES.has(error.code)) {
        const files = [['input', x], ['depthwise', depthwise], ['pointwise', pointwise]]
          .map(([role, t]) => `${role} ${t.file} ${shapeText(t.shape)}`);
        context = ` (${files.join(', ')}${args.options.dataFormat === 'NCHW' ? ', NCHW' : ''})`;
      }
      throw new CliError(1, `${oneLine(error.message)}${context}`);
    }
    throw error;
  } finally {
    api.dispose();
  }
}

/**
 * Runs the command line; resolves to the exit code.
 * @param {string[]} argv  the arguments after the script's name
 */
async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const fail = (code, message) => {
    stderr.write(`${PROGRAM}: ${message}\n`);
    return code;
  };
  try {
    const args = parseArgs(argv);
    if (args.help) {
      stdout.write(HELP);
      return 0;
    }
    if (args.version) {
      stdout.write(`${require('../package.json').version}\n`);
      return 0;
    }
    await run(args, stdout);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail(2, `${oneLine(error.message)} (see ${PROGRAM} --help)`);
    if (error instanceof CliError) return fail(error.exitCode, error.message);
    if (process.env.SEPCONV_WASM_DEBUG) stderr.write(`${error && error.stack}\n`);
    return fail(1, `unexpected error: ${oneLine(error && error.message)} (set SEPCONV_WASM_DEBUG=1 to see where)`);
  }
}

module.exports = { main };
