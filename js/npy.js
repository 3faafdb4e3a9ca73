'use strict';

// NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// the package's `sepconv-wasm/npy` (Node.js): parseNpy reads float32/float64 arrays in C order,
// as numpy.save writes them; encodeNpy writes a float32 array exactly as numpy.save would;
// readNpy and writeNpy do the same with files.
//
// A file is: the magic "\x93NUMPY", a major and a minor version byte, the header's length
// (uint16 little-endian in version 1.0, uint32 in 2.0 and 3.0), the header (a Python dict
// literal, latin-1 in 1.0/2.0 and UTF-8 in 3.0, padded with spaces and ending in a newline so
// that the data starts at a multiple of 64 bytes), then the raw data.

const fs = require('fs');

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // \x93NUMPY
const ALIGN = 64;
// numpy >= 1.24 leaves room for the first axis to grow in place: 21 characters of digits.
const GROWTH_AXIS_MAX_DIGITS = 21;

const SUPPORTED = {
  '<f4': { type: Float32Array, little: true, label: 'float32' },
  '>f4': { type: Float32Array, little: false, label: 'float32' },
  '<f8': { type: Float64Array, little: true, label: 'float64' },
  '>f8': { type: Float64Array, little: false, label: 'float64' },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An error about a .npy file's content; the message starts with the file's name. */
class NpyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NpyError';
  }
}

// ---------------------------------------------------------------------------------------------
// A small parser for the Python literals a header holds: dicts, tuples, lists, strings,
// integers (with Python 2's optional L suffix), True, False and None. Nothing is evaluated.

// Sticky (y): they match at lastIndex only, so tokenizing stays linear in the header's length.
const INTEGER = /(-?[0-9]+)[lL]?(?![A-Za-z0-9_.])/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if ('{}()[]:,'.includes(ch)) {
      tokens.push({ kind: ch });
      i++;
    } else if (ch === "'" || ch === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error('an unterminated string');
        const c = text[j];
        if (c === ch) break;
        if (c === '\\') {
          const next = text[j + 1];
          if (next === undefined) throw new Error('an unterminated string');
          const escapes = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', 0: '\0' };
          value += Object.prototype.hasOwnProperty.call(escapes, next) ? escapes[next] : `\\${next}`;
          j += 2;
        } else {
          value += c;
          j++;
        }
      }
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else {
      INTEGER.lastIndex = i;
      NAME.lastIndex = i;
      const match = INTEGER.exec(text) || NAME.exec(text);
      if (!match) throw new Error(`an unexpected character ${JSON.stringify(ch)}`);
      if (match[1] !== undefined) {
        tokens.push({ kind: 'int', value: Number(match[1]), text: match[1] });
      } else if (match[0] === 'True' || match[0] === 'False' || match[0] === 'None') {
        tokens.push({ kind: 'const', value: match[0] === 'None' ? null : match[0] === 'True' });
      } else {
        throw new Error(`an unexpected name ${match[0]}`);
      }
      i += match[0].length;
    }
  }
  return tokens;
}

/** Parses one Python literal; tuples come back as {tuple: [...]}, lists as arrays. */
function parseLiteral(text) {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (kind) => {
    const token = tokens[pos++];
    if (!token || token.kind !== kind) throw new Error(`expected '${kind}'`);
    return token;
  };
  // Items up to `close`, separated by commas, a trailing comma allowed.
  function sequence(close, item) {
    const items = [];
    let sawComma = false;
    while (peek() && peek().kind !== close) {
      items.push(item());
      sawComma = false;
      if (peek() && peek().kind === ',') {
        pos++;
        sawComma = true;
      } else {
        break;
      }
    }
    expect(close);
    return { items, trailingComma: sawComma };
  }
  function value() {
    const token = tokens[pos++];
    if (!token) throw new Error('it ends too early');
    switch (token.kind) {
      case 'string': case 'int': case 'const':
        return token.value;
      case '{': {
        const dict = new Map();
        sequence('}', () => {
          const key = value();
          expect(':');
          if (dict.has(key)) throw new Error(`the key ${pythonRepr(key)} appears twice`);
          dict.set(key, value());
        });
        return dict;
      }
      case '[':
        return sequence(']', value).items;
      case '(': {
        const { items, trailingComma } = sequence(')', value);
        // (x) is just x in Python; (x,) and () are tuples.
        return items.length === 1 && !trailingComma ? items[0] : { tuple: items };
      }
      default:
        throw new Error(`an unexpected '${token.kind}'`);
    }
  }
  const result = value();
  if (pos !== tokens.length) throw new Error('there is more after the dict');
  return result;
}

function pythonRepr(value) {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${summarized(value.map(pythonRepr))}]`;
  if (value instanceof Map) return `{${summarized([...value].map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`))}}`;
  if (value && value.tuple) return shapeForMessage(value.tuple.map(pythonRepr));
  return String(value);
}

const MAX_HEADER_BYTES = 65536;

// Messages name at most this many items of a long tuple, list or dict (a header may claim
// millions of dimensions), so that an error stays one short line.
const MAX_ITEMS = 8;

function summarized(items) {
  return items.length > MAX_ITEMS ? `${items.slice(0, MAX_ITEMS).join(', ')}, … (${items.length} items)` : items.join(', ');
}

/** A shape as Python writes it, for messages: long ones summarized. */
function shapeForMessage(dims) {
  return dims.length > MAX_ITEMS ? `(${summarized(dims)})` : shapeRepr(dims);
}

/** Python's repr of a tuple: (), (5,), (2, 3). */
function shapeRepr(dims) {
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------

/** A readable name for a NumPy dtype string such as '<i4', for error messages. */
function dtypeLabel(descr) {
  const match = /^([<>|=])?([a-zA-Z])(\d*)$/.exec(descr);
  if (!match) return null;
  const [, , kind, size] = match;
  const bytes = Number(size);
  const names = {
    f: () => `float${bytes * 8}`, i: () => `int${bytes * 8}`, u: () => `uint${bytes * 8}`,
    c: () => `complex${bytes * 8}`, b: () => 'bool', '?': () => 'bool', U: () => 'unicode string',
    S: () => 'bytes', a: () => 'bytes', V: () => 'void', O: () => 'Python object',
    M: () => 'datetime64', m: () => 'timedelta64',
  };
  return names[kind] ? names[kind]() : null;
}

function truncateForMessage(text) {
  const oneLine = JSON.stringify(text.trim());
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}..."` : oneLine;
}

function asBuffer(bytes, name) {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return Buffer.from(bytes);
  throw new TypeError(`${name}: parseNpy needs a Buffer, Uint8Array or ArrayBuffer`);
}

/**
 * Reads a .npy file's bytes: a float32 or float64 array in C order, of either byte order.
 * `name` (the file's name) starts every error message.
 * @param {Buffer|Uint8Array|ArrayBuffer} bytes
 * @param {string} [name]
 * @returns {{data: Float32Array|Float64Array, shape: number[]}}
 * @throws {NpyError} for anything but a well-formed float32/float64 C-order .npy file
 */
function parseNpy(bytes, name = '.npy data') {
  const buffer = asBuffer(bytes, name);
  const fail = (message) => { throw new NpyError(`${name}: ${message}`); };

  if (buffer.length < MAGIC.length || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    const what = buffer.length === 0 ? 'it is empty' : 'it does not start with the magic string \\x93NUMPY';
    fail(`not a .npy file: ${what}`);
  }
  if (buffer.length < 8) fail(`truncated .npy file: ${buffer.length} bytes, not even the version`);
  const major = buffer[6];
  const minor = buffer[7];
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0 and 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthBytes;
  if (buffer.length < headerStart) {
    fail(`truncated .npy file: ${buffer.length} bytes, the header length needs ${headerStart}`);
  }
  const headerLength = major === 1 ? buffer.readUInt16LE(8) : buffer.readUInt32LE(8);
  // A header describes an array in a few hundred bytes; NumPy itself reads at most 10,000 by
  // default. A longer one is refused before it is parsed, which could take seconds.
  if (headerLength > MAX_HEADER_BYTES) {
    fail(`the .npy header is ${headerLength} bytes; at most ${MAX_HEADER_BYTES} are read (an array of rank 4 needs about 128)`);
  }
  const dataStart = headerStart + headerLength;
  if (buffer.length < dataStart) {
    fail(`truncated .npy file: the header should be ${headerLength} bytes but only ${buffer.length - headerStart} follow`);
  }
  const headerText = buffer.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);

  const example = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  let header;
  try {
    header = parseLiteral(headerText);
  } catch (error) {
    fail(`malformed .npy header (${error.message}): expected a dict like ${example}; got ${truncateForMessage(headerText)}`);
  }
  if (!(header instanceof Map)) {
    fail(`malformed .npy header: expected a dict like ${example}; got ${truncateForMessage(headerText)}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!header.has(key)) fail(`malformed .npy header: the key '${key}' is missing from ${truncateForMessage(headerText)}`);
  }
  for (const key of header.keys()) {
    if (!['descr', 'fortran_order', 'shape'].includes(key)) {
      fail(`malformed .npy header: unexpected key ${pythonRepr(key)} in ${truncateForMessage(headerText)}`);
    }
  }

  const descr = header.get('descr');
  const fortranOrder = header.get('fortran_order');
  const shapeValue = header.get('shape');
  const wanted = "float32 or float64 ('<f4', '>f4', '<f8' or '>f8'); convert it with arr.astype(np.float32)";
  if (typeof descr !== 'string') {
    fail(`dtype ${pythonRepr(descr)} (a structured dtype) is not supported: the array must be ${wanted}`);
  }
  const dtype = SUPPORTED[descr];
  if (!dtype) {
    const label = dtypeLabel(descr);
    fail(`dtype '${descr}'${label ? ` (${label})` : ''} is not supported: the array must be ${wanted}`);
  }
  if (typeof fortranOrder !== 'boolean') {
    fail(`malformed .npy header: 'fortran_order' must be True or False; got ${pythonRepr(fortranOrder)}`);
  }
  if (fortranOrder) {
    fail('Fortran-order arrays (fortran_order: True) are not supported: save np.ascontiguousarray(arr) instead');
  }
  if (!shapeValue || !Array.isArray(shapeValue.tuple) ||
      !shapeValue.tuple.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`malformed .npy header: 'shape' must be a tuple of non-negative integers; got ${pythonRepr(shapeValue)}`);
  }
  const shape = shapeValue.tuple;
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = dtype.type.BYTES_PER_ELEMENT;
  const dataBytes = count * itemSize;
  if (!Number.isSafeInteger(dataBytes)) fail(`shape ${shapeForMessage(shape)} is too large`);
  const available = buffer.length - dataStart;
  if (available !== dataBytes) {
    const need = `shape ${shapeForMessage(shape)} of ${dtype.label} needs ${dataBytes} bytes of data`;
    if (available < dataBytes) fail(`truncated .npy file: ${need}, but only ${available} follow the header`);
    fail(`data size does not match the header: ${need}, but ${available} follow the header`);
  }

  const data = new dtype.type(count);
  if (dtype.little === HOST_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(buffer.subarray(dataStart, dataStart + dataBytes));
  } else {
    const view = new DataView(buffer.buffer, buffer.byteOffset + dataStart, dataBytes);
    const read = itemSize === 4 ? (i) => view.getFloat32(i * 4, dtype.little) : (i) => view.getFloat64(i * 8, dtype.little);
    for (let i = 0; i < count; i++) data[i] = read(i);
  }
  return { data, shape };
}

/**
 * Writes a float32 array as .npy bytes, exactly as numpy.save (numpy >= 1.24) writes a C-order
 * float32 array: version 1.0, '<f4', the header padded with spaces and a newline so that the
 * data starts at a multiple of 64 bytes.
 * @param {Float32Array} data
 * @param {number[]} shape  non-negative integers whose product is data.length; [] for a scalar
 * @returns {Buffer}
 */
function encodeNpy(data, shape) {
  if (!(data instanceof Float32Array)) throw new TypeError('encodeNpy: data must be a Float32Array');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(`encodeNpy: shape must be an array of non-negative integers; got ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`encodeNpy: shape ${JSON.stringify(shape)} holds ${count} elements but data has ${data.length}`);
  }
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length, 0));
  // Version 1.0 unless the header does not fit its 16-bit length, as numpy does.
  let major = 1;
  let prefix = MAGIC.length + 2 + 2;
  let padded = dict.length + 1;
  padded += ALIGN - ((prefix + padded) % ALIGN);
  if (padded > 0xffff) {
    major = 2;
    prefix = MAGIC.length + 2 + 4;
    padded = dict.length + 1;
    padded += ALIGN - ((prefix + padded) % ALIGN);
  }
  const header = Buffer.alloc(prefix + padded, 0x20);
  MAGIC.copy(header, 0);
  header[6] = major;
  header[7] = 0;
  if (major === 1) header.writeUInt16LE(padded, 8);
  else header.writeUInt32LE(padded, 8);
  header.write(dict, prefix, 'latin1');
  header[header.length - 1] = 0x0a;

  const body = Buffer.alloc(data.length * 4);
  if (HOST_LITTLE_ENDIAN) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(body);
  } else {
    for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], i * 4);
  }
  return Buffer.concat([header, body]);
}

/**
 * Reads a .npy file as numpy.save writes it: a float32 or float64 array in C order.
 * @param {string} file
 * @returns {{data: Float32Array|Float64Array, shape: number[]}}
 * @throws {NpyError} for content that is not such an array (fs's own errors for the file)
 */
function readNpy(file) {
  return parseNpy(fs.readFileSync(file), file);
}

/**
 * Writes a float32 array, such as a separableConv2d result, as numpy.save would.
 * @param {string} file
 * @param {{data: Float32Array, shape: number[]}} array
 */
function writeNpy(file, { data, shape }) {
  fs.writeFileSync(file, encodeNpy(data, shape));
}

module.exports = { readNpy, writeNpy, parseNpy, encodeNpy, NpyError };
