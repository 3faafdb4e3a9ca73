'use strict';
// The command line, bin/sepconv-wasm.js, run as a child process on .npy files in a temporary
// directory: results checked against the float64 reference (tests/js/reference.js), --help, and
// every error path's exit code (2: the command line; 1: files and computation) and its one-line
// message.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { encodeNpy, parseNpy } = require('../../js/npy');
const { separableConv2dReference, applyBiasActivation } = require('./reference');
const { mismatch } = require('./compare');
const { mulberry32 } = require('./random');

const BIN = path.join(__dirname, '..', '..', 'bin', 'sepconv-wasm.js');
const VERSION = require('../../package.json').version;

let dir;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-cli-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in the temporary directory: { status, stdout, stderr }. */
function cli(...args) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const file = (name) => path.join(dir, name);

function random(length, seed) {
  const next = mulberry32(seed);
  return Float32Array.from({ length }, () => next() - 0.5);
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** Writes a float32 .npy file with encodeNpy; returns {data, shape}. */
function writeF32(name, shape, seed) {
  const data = random(size(shape), seed);
  fs.writeFileSync(file(name), encodeNpy(data, shape));
  return { data, shape };
}

/** A float64 .npy file built by hand (numpy.save's layout), in either byte order. */
function writeF64(name, shape, seed, { bigEndian = false } = {}) {
  const data = Float64Array.from(random(size(shape), seed), (v) => v * 3 + 1e-9);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${bigEndian ? '>' : '<'}f8', 'fortran_order': False, 'shape': ${tuple}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 8);
  data.forEach((v, i) => (bigEndian ? body.writeDoubleBE(v, i * 8) : body.writeDoubleLE(v, i * 8)));
  fs.writeFileSync(file(name), Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
  return { data, shape };
}

function readOutput(name) {
  return parseNpy(fs.readFileSync(file(name)), name);
}

describe('results', () => {
  test('NHWC float32, SAME, 4-value strides, bias and relu6: matches the reference', () => {
    const x = writeF32('a_x.npy', [2, 9, 7, 3], 1);
    const dw = writeF32('a_dw.npy', [3, 3, 3, 2], 2);
    const pw = writeF32('a_pw.npy', [1, 1, 6, 5], 3);
    const bias = writeF32('a_b.npy', [5], 4);
    const r = cli('a_x.npy', 'a_dw.npy', 'a_pw.npy', '-o', 'a_y.npy', '--strides', '1,2,2,1', '--padding', 'SAME',
      '--bias', 'a_b.npy', '--activation', 'relu6', '--threads', '2');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const y = readOutput('a_y.npy');
    expect(y.data).toBeInstanceOf(Float32Array);
    const conv = separableConv2dReference(x, dw, pw, { strides: [2, 2], padding: 'SAME' });
    const expected = applyBiasActivation(conv, bias.data, 'relu6', 'NHWC');
    expect(y.shape).toEqual([2, 5, 4, 5]);
    expect(mismatch(y, expected, { scale: Math.max(...conv.data.map(Math.abs)) })).toBeNull();

    // The summary: every file with its shape and dtype, the options, the time, the wasm build.
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^input\s+a_x\.npy\s+\[2,9,7,3\] float32$/);
    expect(lines[1]).toMatch(/^depthwise\s+a_dw\.npy\s+\[3,3,3,2\] float32$/);
    expect(lines[2]).toMatch(/^pointwise\s+a_pw\.npy\s+\[1,1,6,5\] float32$/);
    expect(lines[3]).toMatch(/^bias\s+a_b\.npy\s+\[5\] float32$/);
    expect(lines[4]).toMatch(/^output\s+a_y\.npy\s+\[2,5,4,5\] float32$/);
    expect(lines[5]).toBe('options    strides [1,2,2,1], padding SAME, data format NHWC, dilations 1, activation relu6');
    expect(lines[6]).toMatch(/^time\s+\d+\.\d{3} ms \(loading the wasm module: \d+\.\d ms\)$/);
    expect(lines[7]).toMatch(/^backend\s+[a-z0-9-]+, 2 threads, SIMD (on|off)$/);
  });

  test('NCHW with float64 files (big- and little-endian), explicit padding, relu', () => {
    const x = writeF64('b_x.npy', [1, 2, 6, 5], 5, { bigEndian: true });
    const dw = writeF64('b_dw.npy', [2, 3, 2, 3], 6);
    const pw = writeF64('b_pw.npy', [1, 1, 6, 4], 7, { bigEndian: true });
    const r = cli('b_x.npy', 'b_dw.npy', 'b_pw.npy', '--output', 'b_y.npy', '--data-format', 'NCHW',
      '--strides', '[1,1,1,2]', '--padding', '[[0,0],[0,0],[1,2],[0,1]]', '--activation', 'relu', '--threads', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const conv = separableConv2dReference(x, dw, pw, { strides: [1, 2], padding: [[1, 2], [0, 1]], dataFormat: 'NCHW' });
    const expected = applyBiasActivation(conv, undefined, 'relu', 'NCHW');
    const y = readOutput('b_y.npy');
    expect(y.shape).toEqual([1, 4, 8, 2]);
    expect(mismatch(y, expected)).toBeNull();
    expect(r.stdout).toMatch(/^input\s+b_x\.npy\s+\[1,2,6,5\] float64 \(computed in float32\)$/m);
    expect(r.stdout).toMatch(/padding \[\[0,0\],\[0,0\],\[1,2\],\[0,1\]\], data format NCHW/);
    expect(r.stdout).toMatch(/^backend\s+\S+, 1 thread, SIMD/m);
  });

  test('dilations, lower-case valid, --flag=value spellings, --quiet', () => {
    const x = writeF32('c_x.npy', [1, 8, 9, 2], 8);
    const dw = writeF32('c_dw.npy', [3, 2, 2, 1], 9);
    const pw = writeF32('c_pw.npy', [1, 1, 2, 3], 10);
    const r = cli('c_x.npy', 'c_dw.npy', 'c_pw.npy', '--output=c_y.npy', '--strides=1', '--padding=valid',
      '--dilations=2,3', '--data-format=NHWC', '-q');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
    const expected = separableConv2dReference(x, dw, pw, { strides: [1, 1], dilations: [2, 3], padding: 'VALID' });
    const y = readOutput('c_y.npy');
    expect(y.shape).toEqual([1, 4, 6, 3]);
    expect(mismatch(y, expected)).toBeNull();
  });

  test('an empty batch writes an empty array of the right shape; -- ends the options', () => {
    fs.writeFileSync(file('-d_x.npy'), encodeNpy(new Float32Array(0), [0, 4, 4, 1]));
    writeF32('d_dw.npy', [3, 3, 1, 1], 11);
    writeF32('d_pw.npy', [1, 1, 1, 2], 12);
    const r = cli('--strides', '2', '--padding', 'SAME', '-o', 'd_y.npy', '--', '-d_x.npy', 'd_dw.npy', 'd_pw.npy');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const y = readOutput('d_y.npy');
    expect(y.shape).toEqual([0, 2, 2, 2]);
    expect(y.data.length).toBe(0);
  });
});

describe('--help and --version', () => {
  test('--help documents every option, with an example and the exit codes', () => {
    for (const flag of ['--help', '-h']) {
      const r = cli(flag);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: sepconv-wasm INPUT\.npy DEPTHWISE\.npy POINTWISE\.npy -o OUTPUT\.npy --strides S --padding P/);
      for (const option of ['-o, --output', '--strides', '--padding', '--bias', '--data-format', '--dilations',
        '--activation', '--threads', '-q, --quiet', '-h, --help', '--version']) {
        expect(r.stdout).toContain(`  ${option} `);
      }
      expect(r.stdout).toContain('sepconv-wasm x.npy dw.npy pw.npy -o y.npy --strides 1,2,2,1 --padding SAME');
      expect(r.stdout).toContain('np.save(');
      expect(r.stdout).toContain('tf.nn.separable_conv2d(');
      expect(r.stdout).toMatch(/Exit status: 0 on success; 1 .*; 2 when the command line is wrong/s);
    }
  });

  test('--help wins over everything else on the line', () => {
    const r = cli('x.npy', '--strides', '1', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage:/);
  });

  test('--version prints the package version', () => {
    const r = cli('--version');
    expect(r).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});

describe('errors: one line on stderr, exit code 2 for the command line, 1 for files and computation', () => {
  beforeAll(() => {
    writeF32('x.npy', [1, 5, 5, 3], 20);
    writeF32('dw.npy', [3, 3, 3, 2], 21);
    writeF32('pw.npy', [1, 1, 6, 4], 22);
    writeF32('bias.npy', [4], 23);
    writeF32('bias5.npy', [5], 24);
    writeF32('bias2d.npy', [1, 4], 25);
    writeF32('rank3.npy', [5, 5, 3], 26);
    writeF32('x_c2.npy', [1, 5, 5, 2], 27);
    writeF32('pw_wrong.npy', [1, 1, 3, 4], 28);
    writeF32('dw5.npy', [7, 7, 3, 2], 29);
    const good = encodeNpy(new Float32Array(4), [4]);
    fs.writeFileSync(file('bad_magic.npy'), Buffer.from('this is not numpy at all'));
    fs.writeFileSync(file('truncated.npy'), good.subarray(0, good.length - 3));
    const int32 = Buffer.from(good);
    int32.write("'<i4'", int32.indexOf("'<f4'"), 'latin1');
    fs.writeFileSync(file('int32.npy'), int32);
    const fortran = Buffer.from(encodeNpy(new Float32Array(6), [2, 3]));
    fortran.write('True, ', fortran.indexOf('False,'), 'latin1');
    fs.writeFileSync(file('fortran.npy'), fortran);
    fs.mkdirSync(file('a_directory.npy'));
  });

  const files = ['x.npy', 'dw.npy', 'pw.npy'];
  const run = ['-o', 'out.npy', '--strides', '1', '--padding', 'SAME'];
  const cases = [
    // The command line itself: exit code 2.
    ['no arguments', [], 2, /^expected 3 files, INPUT\.npy DEPTHWISE\.npy POINTWISE\.npy; got none \(see sepconv-wasm --help\)$/],
    ['two files', ['x.npy', 'dw.npy', ...run], 2, /^expected 3 files, INPUT\.npy DEPTHWISE\.npy POINTWISE\.npy; got "x\.npy" "dw\.npy"/],
    ['four files', [...files, 'bias.npy', ...run], 2, /^expected 3 files/],
    // util.parseArgs's own messages.
    ['an unknown option', [...files, ...run, '--stride', '1'], 2, /^Unknown option '--stride'\. .* \(see sepconv-wasm --help\)$/],
    ['an unknown short option', [...files, ...run, '-x'], 2, /^Unknown option '-x'/],
    ['a value missing at the end', [...files, '-o', 'out.npy', '--padding', 'SAME', '--strides'], 2, /^Option '--strides <value>' argument missing/],
    ['a flag where a value belongs', [...files, '--strides', '-o', 'out.npy', '--padding', 'SAME'], 2, /^Option '--strides' argument is ambiguous\. Did you forget to specify the option argument for '--strides'\?/],
    ['a switch with a value', [...files, ...run, '--quiet=yes'], 2, /^Option '-q, --quiet' does not take an argument/],
    ['an empty value', [...files, ...run, '--bias='], 2, /^--bias needs a value/],
    ['an option given twice', [...files, ...run, '--strides', '2'], 2, /^--strides is given twice/],
    ['an option given twice, in two spellings', [...files, ...run, '--output=o.npy'], 2, /^--output is given twice/],
    ['no -o', [...files, '--strides', '1', '--padding', 'SAME'], 2, /^-o\/--output OUTPUT\.npy is required: where to write the result \(see sepconv-wasm --help\)$/],
    ['no --strides (the library)', [...files, '-o', 'out.npy', '--padding', 'SAME'], 2, /^strides is required \(as in TensorFlow\): \[1,sh,sw,1\], \[sh,sw\] or a number \(see sepconv-wasm --help\)$/],
    ['no --padding (the library)', [...files, '-o', 'out.npy', '--strides', '1'], 2, /^padding is required \(as in TensorFlow\): 'SAME', 'VALID' or \[\[0,0\],\[top,bottom\],\[left,right\],\[0,0\]\]/],
    ['strides that are not numbers', [...files, '-o', 'o.npy', '--strides', 'two', '--padding', 'SAME'], 2, /^--strides: expected a number, or numbers separated by commas or as a JSON list \(2,2 or \[2,2\]\); got "two"/],
    ['strides as broken JSON', [...files, '-o', 'o.npy', '--strides', '[1,2', '--padding', 'SAME'], 2, /^--strides: expected a number, .*; got "\[1,2"/],
    ['strides that are not integers (the library)', [...files, '-o', 'o.npy', '--strides', '1.5', '--padding', 'SAME'], 2, /^strides must be integers from 1 to 2\^31-1; got 1\.5/],
    ['a stride of 0 (the library)', [...files, '-o', 'o.npy', '--strides', '0', '--padding', 'SAME'], 2, /^strides must be integers from 1 to 2\^31-1; got 0 \(see sepconv-wasm --help\)$/],
    ['three strides (the library)', [...files, '-o', 'o.npy', '--strides', '1,2,2', '--padding', 'SAME'], 2, /^strides must be a number, \[h, w\] or \[1,sh,sw,1\]; got \[1,2,2\]/],
    ['a batch stride (the library)', [...files, '-o', 'o.npy', '--strides', '2,2,2,1', '--padding', 'SAME'], 2, /^strides must be \[1,sh,sw,1\] \(batch and channel strides of 1\) for NHWC; got \[2,2,2,1\]/],
    ['an unknown padding (the library)', [...files, '-o', 'o.npy', '--strides', '1', '--padding', 'FULL'], 2, /^padding must be 'SAME', 'VALID' or \[\[0,0\],\[top,bottom\],\[left,right\],\[0,0\]\] with non-negative integers; got 'FULL'/],
    ['padding as broken JSON', [...files, '-o', 'o.npy', '--strides', '1', '--padding', '[[0,0],[1,1]'], 2, /^--padding: not valid JSON: /],
    ['explicit padding of the wrong form (the library)', [...files, '-o', 'o.npy', '--strides', '1', '--padding', '[[1,1],[1,1]]'], 2, /^padding must be 'SAME', 'VALID' or \[\[0,0\],\[top,bottom\],\[left,right\],\[0,0\]\] with non-negative integers; got \[\[1,1\],\[1,1\]\]/],
    ['channel padding (the library)', [...files, '-o', 'o.npy', '--strides', '1', '--padding', '[[0,0],[1,1],[1,1],[1,0]]'], 2, /^padding in the batch and channel dimensions must be \[0,0\]/],
    ['dilations with strides (the library)', [...files, '-o', 'o.npy', '--strides', '2', '--padding', 'SAME', '--dilations', '2'], 2, /^dilations > 1 require strides of 1/],
    ['dilations that are not numbers', [...files, ...run, '--dilations', '2x'], 2, /^--dilations: expected a number, .*; got "2x"/],
    ['a lower-case data format (the library)', [...files, ...run, '--data-format', 'nhwc'], 2, /^dataFormat must be 'NHWC' or 'NCHW'; got 'nhwc' \(see sepconv-wasm --help\)$/],
    ['an unknown activation (the library)', [...files, ...run, '--activation', 'tanh'], 2, /^activation must be 'linear', 'relu' or 'relu6'; got 'tanh'/],
    ['0 threads (the library)', [...files, ...run, '--threads', '0'], 2, /^init: threads must be an integer from 1 to 64; got 0 \(see sepconv-wasm --help\)$/],
    ['too many threads (the library)', [...files, ...run, '--threads', '65'], 2, /^init: threads must be an integer from 1 to 64; got 65/],
    ['two thread counts (the library)', [...files, ...run, '--threads', '1,2'], 2, /^init: threads must be an integer from 1 to 64; got \[1,2\]/],
    ['threads that are not a number', [...files, ...run, '--threads', 'all'], 2, /^--threads: expected a number, .*; got "all"/],

    // Files and computation: exit code 1.
    ['a missing input file', ['nope.npy', 'dw.npy', 'pw.npy', ...run], 1, /^cannot read the input file nope\.npy: no such file or directory \(ENOENT\)$/],
    ['a missing filter file', ['x.npy', 'dw.npy', 'nope.npy', ...run], 1, /^cannot read the pointwise filter file nope\.npy: no such file or directory \(ENOENT\)$/],
    ['a missing bias file', [...files, ...run, '--bias', 'nope.npy'], 1, /^cannot read the bias file nope\.npy: no such file or directory \(ENOENT\)$/],
    ['a directory', ['a_directory.npy', 'dw.npy', 'pw.npy', ...run], 1, /^cannot read the input file a_directory\.npy: it is a directory \(EISDIR\)$/],
    ['not a .npy file', ['x.npy', 'bad_magic.npy', 'pw.npy', ...run], 1, /^bad_magic\.npy: not a \.npy file: it does not start with the magic string \\x93NUMPY$/],
    ['a truncated .npy file', ['x.npy', 'dw.npy', 'truncated.npy', ...run], 1, /^truncated\.npy: truncated \.npy file: shape \(4,\) of float32 needs 16 bytes of data, but only 13 follow the header$/],
    ['an int32 .npy file', ['int32.npy', 'dw.npy', 'pw.npy', ...run], 1, /^int32\.npy: dtype '<i4' \(int32\) is not supported: the array must be float32 or float64 .*arr\.astype\(np\.float32\)$/],
    ['a Fortran-order .npy file', ['fortran.npy', 'dw.npy', 'pw.npy', ...run], 1, /^fortran\.npy: Fortran-order arrays \(fortran_order: True\) are not supported: save np\.ascontiguousarray\(arr\) instead$/],
    ['an input of rank 3', ['rank3.npy', 'dw.npy', 'pw.npy', ...run], 1, /^input must have rank 4, \[N,H,W,C\]; got shape \[5,5,3\] \(rank 3\) \(input rank3\.npy \[5,5,3\], depthwise dw\.npy \[3,3,3,2\], pointwise pw\.npy \[1,1,6,4\]\)$/],
    ['channels that do not match', ['x_c2.npy', 'dw.npy', 'pw.npy', ...run], 1, /^depthwiseFilter must have shape \[KH,KW,C,M\] with C = 2 \(the input's channels\); got \[3,3,3,2\] for input \[1,5,5,2\] \(input x_c2\.npy/],
    ['a pointwise filter that does not fit', ['x.npy', 'dw.npy', 'pw_wrong.npy', ...run], 1, /^pointwiseFilter must have shape \[1,1,C\*M,O\] = \[1,1,6,\*\]; got \[1,1,3,4\] \(input x\.npy \[1,5,5,3\], depthwise dw\.npy \[3,3,3,2\], pointwise pw_wrong\.npy \[1,1,3,4\]\)$/],
    ['swapped filters', ['x.npy', 'pw.npy', 'dw.npy', ...run], 1, /^pointwiseFilter must have shape \[1,1,C\*M,O\] = \[1,1,24,\*\]; got \[3,3,3,2\] \(input x\.npy \[1,5,5,3\], depthwise pw\.npy \[1,1,6,4\], pointwise dw\.npy \[3,3,3,2\]\)$/],
    ['an output of size 0', ['x.npy', 'dw5.npy', 'pw.npy', '-o', 'o.npy', '--strides', '1', '--padding', 'VALID'], 1, /^output height would be -1 \(must be at least 1\): input height 5, effective kernel height 7/],
    ['a bias of the wrong length', [...files, ...run, '--bias', 'bias5.npy'], 1, /^bias must have length O = 4 \(the pointwise filter's outputs\); got 5/],
    ['a bias that is not a vector', [...files, ...run, '--bias', 'bias2d.npy'], 1, /^bias2d\.npy: the bias must be a vector of length O \(shape \(O,\)\); got shape \[1,4\]$/],
    ['an output that cannot be written', [...files, '-o', path.join('no_such_dir', 'out.npy'), '--strides', '1', '--padding', 'SAME'], 1, /^cannot write the output file no_such_dir\/out\.npy: no such file or directory \(ENOENT\)$/],
    ['an output path that is a directory', [...files, '-o', 'a_directory.npy', '--strides', '1', '--padding', 'SAME'], 1, /^cannot write the output file a_directory\.npy: it is a directory \(EISDIR\)$/],
  ];

  test.each(cases)('%s', (label, args, status, pattern) => {
    fs.rmSync(file('out.npy'), { force: true });
    fs.rmSync(file('o.npy'), { force: true });
    const r = cli(...args);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2);  // one line and its newline
    expect(lines[1]).toBe('');
    expect(lines[0].startsWith('sepconv-wasm: ')).toBe(true);
    expect(lines[0].slice('sepconv-wasm: '.length)).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(file('out.npy')) || fs.existsSync(file('o.npy'))).toBe(false);
  });

  test('a .npy header claiming 3,000,000 dimensions: refused at once, in one short line', () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${Array(3000000).fill('1').join(', ')}), }`;
    const padded = header + ' '.repeat((64 - ((12 + header.length + 1) % 64)) % 64) + '\n';
    const length = Buffer.alloc(4);
    length.writeUInt32LE(padded.length);
    fs.writeFileSync(file('huge.npy'), Buffer.concat([Buffer.from('\x93NUMPY\x02\x00', 'latin1'), length, Buffer.from(padded), Buffer.alloc(4)]));
    const r = cli('huge.npy', 'huge.npy', 'huge.npy', '-o', 'out.npy', '--strides', '1', '--padding', 'SAME');
    expect(r.status).toBe(1);
    expect(r.stderr.length).toBeLessThan(300);
    expect(r.stderr).toMatch(/huge\.npy: the \.npy header is \d+ bytes; at most 65536 are read/);
  });

  test('the same inputs succeed once the mistake is fixed', () => {
    const r = cli(...files, ...run, '--bias', 'bias.npy');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readOutput('out.npy').shape).toEqual([1, 5, 5, 4]);
  });
});
