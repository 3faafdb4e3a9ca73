'use strict';
// js/npy.js, the package's sepconv-wasm/npy: reading NumPy .npy files (float32/float64, C order,
// both byte orders, format versions 1.0/2.0/3.0), from bytes or files, and writing float32 ones
// exactly as numpy.save does. The fixtures marked "numpy 1.24" are the bytes numpy.save wrote
// (Debian 12's python3-numpy), so these tests do not depend only on this project's reading of
// the spec.

const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readNpy, writeNpy, parseNpy, encodeNpy, NpyError } = require('../../js/npy');

const MAGIC = '\x93NUMPY';

/**
 * A .npy file built by hand: the magic, the version, the header length (uint16 LE for 1.x,
 * uint32 LE otherwise; `headerLength` overrides it) and the header text, unpadded unless
 * `align` is given, then the raw data bytes.
 */
function buildNpy({ major = 1, minor = 0, header, data = [], align = 0, headerLength, encoding = 'latin1' }) {
  const lengthBytes = major === 1 ? 2 : 4;
  let text = Buffer.from(header, encoding);
  if (align) {
    const total = 8 + lengthBytes + text.length + 1;
    text = Buffer.concat([text, Buffer.alloc((align - (total % align)) % align, 0x20), Buffer.from('\n')]);
  }
  const prefix = Buffer.alloc(8 + lengthBytes);
  prefix.write(MAGIC, 0, 'latin1');
  prefix[6] = major;
  prefix[7] = minor;
  const length = headerLength === undefined ? text.length : headerLength;
  if (lengthBytes === 2) prefix.writeUInt16LE(length, 8);
  else prefix.writeUInt32LE(length, 8);
  return Buffer.concat([prefix, text, Buffer.from(data)]);
}

const dict = (descr, shape, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

// Known bytes of 1.0 and -2.5 in each dtype and byte order.
const KNOWN = {
  '<f4': [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0],
  '>f4': [0x3f, 0x80, 0x00, 0x00, 0xc0, 0x20, 0x00, 0x00],
  '<f8': [0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0xc0],
  '>f8': [0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0x04, 0, 0, 0, 0, 0, 0],
};

// Written by numpy 1.24's numpy.save / numpy.lib.format.write_array.
const NUMPY_FILES = {
  // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) - 2.5)
  f4_2x3: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAACDAAADAvwAAAL8AAAA/AADAPwAAIEA=',
  // np.save(f, np.array([[1.5, -2], [1e-300, np.inf]], '>f8'))
  be_f8_2x2: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/+AAAAAAAAMAAAAAAAAAAAaVuH8L481l/8AAAAAAAAA==',
  // write_array(f, np.array([0.1, -7], '>f4'), version=(2, 0))
  be_f4_v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc+ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo9zMzNwOAAAA==',
  // write_array(f, np.array([[3.25]], '<f8'), version=(3, 0))
  le_f8_v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMSksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAKQA==',
  // np.save(f, np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
  fortran: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=',
  // np.save(f, np.arange(3, dtype='<i8'))
  i8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAEAAAAAAAAAAgAAAAAAAAA=',
  // np.save(f, np.arange(3, dtype='<f2'))
  f2: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA8AEA=',
};
const numpyFile = (key) => Buffer.from(NUMPY_FILES[key], 'base64');

/** The error parseNpy throws, or a failure if it throws none. */
function parseError(bytes, name = 'x.npy') {
  try {
    parseNpy(bytes, name);
  } catch (error) {
    return error;
  }
  throw new Error('parseNpy did not throw');
}

describe('parseNpy reads what numpy.save writes', () => {
  test('float32, version 1.0 (numpy 1.24)', () => {
    const { data, shape } = parseNpy(numpyFile('f4_2x3'), 'a.npy');
    expect(shape).toEqual([2, 3]);
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
  });

  test('big-endian float64, version 1.0 (numpy 1.24)', () => {
    const { data, shape } = parseNpy(numpyFile('be_f8_2x2'), 'b.npy');
    expect(shape).toEqual([2, 2]);
    expect(data).toBeInstanceOf(Float64Array);
    expect(Array.from(data)).toEqual([1.5, -2, 1e-300, Infinity]);
  });

  test('big-endian float32, version 2.0 (numpy 1.24)', () => {
    const { data, shape } = parseNpy(numpyFile('be_f4_v2'), 'c.npy');
    expect(shape).toEqual([2]);
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual([Math.fround(0.1), -7]);
  });

  test('little-endian float64, version 3.0 (numpy 1.24)', () => {
    const { data, shape } = parseNpy(numpyFile('le_f8_v3'), 'd.npy');
    expect(shape).toEqual([1, 1]);
    expect(Array.from(data)).toEqual([3.25]);
  });
});

describe('parseNpy on hand-built headers with known bytes', () => {
  for (const major of [1, 2, 3]) {
    for (const descr of Object.keys(KNOWN)) {
      test(`version ${major}.0, '${descr}'`, () => {
        const bytes = buildNpy({ major, header: dict(descr, '(2,)'), data: KNOWN[descr], align: 64 });
        const { data, shape } = parseNpy(bytes, 'v.npy');
        expect(shape).toEqual([2]);
        expect(data).toBeInstanceOf(descr.endsWith('4') ? Float32Array : Float64Array);
        expect(Array.from(data)).toEqual([1, -2.5]);
      });
    }
  }

  test('a 4-D big-endian float64 array keeps C order', () => {
    const values = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const data = Buffer.alloc(24 * 8);
    values.forEach((v, i) => data.writeDoubleBE(v, i * 8));
    const parsed = parseNpy(buildNpy({ header: dict('>f8', '(1, 2, 3, 4)'), data, align: 64 }), 'x4.npy');
    expect(parsed.shape).toEqual([1, 2, 3, 4]);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  test.each([
    ['a scalar, shape ()', dict('<f4', '()'), [0, 0, 0x80, 0x3f], [], [1]],
    ['an empty array, shape (0, 3)', dict('<f4', '(0, 3)'), [], [0, 3], []],
    ['double quotes, other key order, no trailing comma', '{"shape": (2,), "fortran_order": False, "descr": "<f4"}', KNOWN['<f4'], [2], [1, -2.5]],
    ["Python 2's long integers (2L,)", dict('<f4', '(2L,)'), KNOWN['<f4'], [2], [1, -2.5]],
    ['16-byte alignment (numpy < 1.9)', null, KNOWN['<f4'], [2], [1, -2.5]],
    ['no padding and no newline', dict('>f4', '(2,)'), KNOWN['>f4'], [2], [1, -2.5]],
  ])('%s', (label, header, data, shape, values) => {
    const bytes = header === null
      ? buildNpy({ header: dict('<f4', '(2,)'), data, align: 16 })
      : buildNpy({ header, data, align: label.startsWith('no padding') ? 0 : 64 });
    const parsed = parseNpy(bytes, 'h.npy');
    expect(parsed.shape).toEqual(shape);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  test('a version 3.0 header is read as UTF-8', () => {
    // Only structured dtypes put non-ASCII text in a header; this checks the decoding itself.
    const bytes = buildNpy({ major: 3, header: `${dict('<f4', '(2,)').slice(0, -1)}}`, data: KNOWN['<f4'], align: 64, encoding: 'utf8' });
    expect(Array.from(parseNpy(bytes, 'u.npy').data)).toEqual([1, -2.5]);
    const wrong = buildNpy({ major: 3, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'é': 1}", data: KNOWN['<f4'], encoding: 'utf8' });
    expect(parseError(wrong, 'u.npy').message).toContain("unexpected key 'é'");
  });

  test('Uint8Array, ArrayBuffer and a Buffer at an odd offset are read too', () => {
    const bytes = numpyFile('f4_2x3');
    const expected = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];
    expect(Array.from(parseNpy(new Uint8Array(bytes)).data)).toEqual(expected);
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    expect(Array.from(parseNpy(copy).data)).toEqual(expected);
    const odd = Buffer.concat([Buffer.from([7]), bytes]).subarray(1);
    expect(odd.byteOffset % 4).not.toBe(0);
    expect(Array.from(parseNpy(odd).data)).toEqual(expected);
    const oddBig = Buffer.concat([Buffer.from([7]), numpyFile('be_f8_2x2')]).subarray(1);
    expect(Array.from(parseNpy(oddBig).data)).toEqual([1.5, -2, 1e-300, Infinity]);
  });
});

describe('parseNpy rejects anything else with a message naming the file', () => {
  const good = () => buildNpy({ header: dict('<f4', '(2,)'), data: KNOWN['<f4'], align: 64 });
  const cases = [
    ['an empty file', Buffer.alloc(0), /not a \.npy file: it is empty/],
    ['bad magic', Buffer.from('PK\x03\x04 this is a zip file'), /not a \.npy file: it does not start with the magic string \\x93NUMPY/],
    ['magic without \\x93', Buffer.from('NUMPY\x01\x00'), /not a \.npy file/],
    ['only the magic', Buffer.from(MAGIC, 'latin1'), /truncated \.npy file: 6 bytes, not even the version/],
    ['version 4.0', buildNpy({ major: 4, header: dict('<f4', '(2,)'), data: KNOWN['<f4'] }), /unsupported \.npy format version 4\.0 \(supported: 1\.0, 2\.0 and 3\.0\)/],
    ['version 1.1', buildNpy({ minor: 1, header: dict('<f4', '(2,)'), data: KNOWN['<f4'] }), /unsupported \.npy format version 1\.1/],
    ['no header length', good().subarray(0, 9), /truncated \.npy file: 9 bytes, the header length needs 10/],
    ['a header cut short', good().subarray(0, 40), /truncated \.npy file: the header should be 118 bytes but only 30 follow/],
    ['a header length past the end', buildNpy({ header: dict('<f4', '(2,)'), headerLength: 5000, data: KNOWN['<f4'] }), /truncated \.npy file: the header should be 5000 bytes/],
    ['a header that is a list', buildNpy({ header: "['descr', '<f4']", align: 64 }), /malformed \.npy header: expected a dict like \{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \}; got "\['descr', '<f4'\]"/],
    ['an unterminated string', buildNpy({ header: "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", align: 64 }), /malformed \.npy header \(/],
    ['a missing colon', buildNpy({ header: "{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", align: 64 }), /malformed \.npy header \(expected ':'\)/],
    ['a Python expression', buildNpy({ header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2*1,)}", align: 64 }), /malformed \.npy header \(an unexpected character "\*"\)/],
    ['a function call', buildNpy({ header: "{'descr': '<f4', 'fortran_order': False, 'shape': eval('(2,)')}", align: 64 }), /malformed \.npy header \(an unexpected name eval\)/],
    ['text after the dict', buildNpy({ header: `${dict('<f4', '(2,)')} {}`, data: KNOWN['<f4'] }), /malformed \.npy header \(there is more after the dict\)/],
    ['a duplicated key', buildNpy({ header: "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", data: KNOWN['<f4'] }), /the key 'descr' appears twice/],
    ['a missing key', buildNpy({ header: "{'descr': '<f4', 'shape': (2,)}", data: KNOWN['<f4'] }), /malformed \.npy header: the key 'fortran_order' is missing/],
    ['an extra key', buildNpy({ header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", data: KNOWN['<f4'] }), /malformed \.npy header: unexpected key 'x'/],
    ['fortran_order not a bool', buildNpy({ header: dict('<f4', '(2,)', "'no'"), data: KNOWN['<f4'] }), /'fortran_order' must be True or False; got 'no'/],
    ['fortran_order True (numpy 1.24)', numpyFile('fortran'), /Fortran-order arrays \(fortran_order: True\) are not supported: save np\.ascontiguousarray\(arr\) instead/],
    ['a shape list, not a tuple', buildNpy({ header: dict('<f4', '[2]'), data: KNOWN['<f4'] }), /'shape' must be a tuple of non-negative integers; got \[2\]/],
    ['a negative dimension', buildNpy({ header: dict('<f4', '(-2,)'), data: KNOWN['<f4'] }), /'shape' must be a tuple of non-negative integers; got \(-2,\)/],
    ['a shape that is a number', buildNpy({ header: dict('<f4', '(2)'), data: KNOWN['<f4'] }), /'shape' must be a tuple of non-negative integers; got 2/],
    ['a fractional dimension', buildNpy({ header: dict('<f4', '(2.5,)'), data: KNOWN['<f4'] }), /malformed \.npy header/],
    ['truncated data', good().subarray(0, good().length - 2), /truncated \.npy file: shape \(2,\) of float32 needs 8 bytes of data, but only 6 follow the header/],
    ['no data at all', good().subarray(0, 128), /truncated \.npy file: shape \(2,\) of float32 needs 8 bytes of data, but only 0 follow/],
    ['extra data', Buffer.concat([good(), Buffer.alloc(4)]), /data size does not match the header: shape \(2,\) of float32 needs 8 bytes of data, but 12 follow the header/],
    ['more data than a float64 shape needs', buildNpy({ header: dict('<f8', '(1, 1)'), data: KNOWN['<f8'], align: 64 }), /shape \(1, 1\) of float64 needs 8 bytes of data, but 16 follow/],
    ['int64 (numpy 1.24)', numpyFile('i8'), /dtype '<i8' \(int64\) is not supported: the array must be float32 or float64 \('<f4', '>f4', '<f8' or '>f8'\); convert it with arr\.astype\(np\.float32\)/],
    ['float16 (numpy 1.24)', numpyFile('f2'), /dtype '<f2' \(float16\) is not supported/],
    ['int32', buildNpy({ header: dict('<i4', '(2,)'), data: KNOWN['<f4'] }), /dtype '<i4' \(int32\) is not supported/],
    ['uint8', buildNpy({ header: dict('|u1', '(2,)'), data: [1, 2] }), /dtype '\|u1' \(uint8\) is not supported/],
    ['bool', buildNpy({ header: dict('|b1', '(2,)'), data: [1, 0] }), /dtype '\|b1' \(bool\) is not supported/],
    ['complex64', buildNpy({ header: dict('<c8', '(1,)'), data: KNOWN['<f4'] }), /dtype '<c8' \(complex64\) is not supported/],
    ['Python objects', buildNpy({ header: dict('|O', '(1,)'), data: KNOWN['<f4'] }), /dtype '\|O' \(Python object\) is not supported/],
    ['native-order float32', buildNpy({ header: dict('=f4', '(2,)'), data: KNOWN['<f4'] }), /dtype '=f4' \(float32\) is not supported/],
    ['an unknown dtype string', buildNpy({ header: dict('hello', '(2,)'), data: KNOWN['<f4'] }), /dtype 'hello' is not supported/],
    ['a structured dtype', buildNpy({ header: "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: KNOWN['<f4'] }),
      /dtype \[\('a', '<f4'\), \('b', '<f4'\)\] \(a structured dtype\) is not supported/],
  ];
  test.each(cases)('%s', (label, bytes, pattern) => {
    const error = parseError(bytes, 'data/weights.npy');
    expect(error).toBeInstanceOf(NpyError);
    expect(error.message.startsWith('data/weights.npy: ')).toBe(true);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain('\n');
  });

  test('without a name, messages still say what was read', () => {
    expect(() => parseNpy(Buffer.from('nope'))).toThrow(/^\.npy data: not a \.npy file/);
  });

  test('a very long malformed header is quoted short', () => {
    const error = parseError(buildNpy({ header: `[${'1, '.repeat(1000)}]`, align: 64 }));
    expect(error.message.length).toBeLessThan(400);
  });

  test('what is not bytes is a TypeError', () => {
    expect(() => parseNpy('x.npy', 'x.npy')).toThrow(TypeError);
  });
});

describe('encodeNpy writes the header numpy expects', () => {
  /** { major, minor, headerLength, header text (without the padding), padding } of a file. */
  function layout(bytes) {
    const headerLength = bytes.readUInt16LE(8);
    const header = bytes.toString('latin1', 10, 10 + headerLength);
    return { magic: bytes.toString('latin1', 0, 6), major: bytes[6], minor: bytes[7], headerLength, header };
  }

  test.each([
    [[2, 3], '(2, 3)'],
    [[5], '(5,)'],
    [[], '()'],
    [[0, 3], '(0, 3)'],
    [[1, 2, 3, 4], '(1, 2, 3, 4)'],
    [[1000, 12, 12, 3], '(1000, 12, 12, 3)'],
  ])('shape %j is written as %s', (shape, tuple) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(count), shape);
    const { magic, major, minor, headerLength, header } = layout(bytes);
    expect(magic).toBe(MAGIC);
    expect([major, minor]).toEqual([1, 0]);
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes.length).toBe(10 + headerLength + count * 4);
    const text = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
    expect(header.startsWith(text)).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(header.slice(text.length, -1)).toMatch(/^ *$/);
    // numpy >= 1.24 leaves room for the first dimension to grow to 21 digits.
    expect(header.length - 1 - text.length).toBeGreaterThanOrEqual(shape.length ? 21 - String(shape[0]).length : 0);
  });

  test('byte for byte what numpy 1.24 writes', () => {
    expect(encodeNpy(Float32Array.from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), [2, 3]).equals(numpyFile('f4_2x3'))).toBe(true);
  });

  test('the data is little-endian float32', () => {
    const bytes = encodeNpy(Float32Array.from([1, -2.5]), [2]);
    expect(Array.from(bytes.subarray(bytes.length - 8))).toEqual(KNOWN['<f4']);
  });

  test('round trips keep every bit: NaN, -0, infinities, subnormals, extremes', () => {
    const special = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, Math.fround(Math.PI)]);
    const nanWithPayload = new Float32Array(new Uint32Array([0x7fc00123]).buffer);
    const data = Float32Array.from([...special, ...nanWithPayload]);
    const back = parseNpy(encodeNpy(data, [3, 3]), 'rt.npy');
    expect(back.shape).toEqual([3, 3]);
    expect(new Uint32Array(back.data.buffer)).toEqual(new Uint32Array(data.buffer));
  });

  test('round trips of random arrays in every rank up to 5', () => {
    let seed = 12345;
    for (let rank = 0; rank <= 5; rank++) {
      const shape = Array.from({ length: rank }, () => 1 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 4));
      const count = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: count }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 100);
      const view = new Float32Array(data.buffer.slice(0), 0, count);
      const back = parseNpy(encodeNpy(view, shape), `r${rank}.npy`);
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(data);
    }
  });

  test('a view into a larger array writes only its own elements', () => {
    const big = Float32Array.from([9, 1, 2, 3, 9]);
    const back = parseNpy(encodeNpy(big.subarray(1, 4), [3]));
    expect(Array.from(back.data)).toEqual([1, 2, 3]);
  });

  test('wrong arguments throw', () => {
    expect(() => encodeNpy(new Float64Array(2), [2])).toThrow(/data must be a Float32Array/);
    expect(() => encodeNpy([1, 2], [2])).toThrow(TypeError);
    expect(() => encodeNpy(new Float32Array(6), [2, 2])).toThrow(/shape \[2,2\] holds 4 elements but data has 6/);
    expect(() => encodeNpy(new Float32Array(0), [-1])).toThrow(/non-negative integers/);
    expect(() => encodeNpy(new Float32Array(1), '1')).toThrow(TypeError);
  });
});

describe('readNpy and writeNpy: the same on files', () => {
  let dir;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-npy-files-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('writeNpy writes encodeNpy\'s bytes from a {data, shape} result; readNpy reads numpy.save\'s', () => {
    const file = path.join(dir, 'y.npy');
    const y = { data: Float32Array.from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), shape: [2, 3] };
    writeNpy(file, y);
    expect(fs.readFileSync(file).equals(numpyFile('f4_2x3'))).toBe(true);
    expect(readNpy(file)).toEqual(y);
    fs.writeFileSync(file, numpyFile('be_f8_2x2'));
    const be = readNpy(file);
    expect(be.data).toBeInstanceOf(Float64Array);
    expect(Array.from(be.data)).toEqual([1.5, -2, 1e-300, Infinity]);
  });

  test('a bad file is an NpyError naming it; a missing one is fs\'s own error', () => {
    const file = path.join(dir, 'int64.npy');
    fs.writeFileSync(file, numpyFile('i8'));
    expect(() => readNpy(file)).toThrow(NpyError);
    expect(() => readNpy(file)).toThrow(`${file}: dtype '<i8' (int64) is not supported`);
    expect(() => readNpy(path.join(dir, 'nope.npy'))).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
    expect(() => writeNpy(path.join(dir, 'w.npy'), { data: new Float64Array(1), shape: [1] })).toThrow(/data must be a Float32Array/);
    expect(fs.existsSync(path.join(dir, 'w.npy'))).toBe(false);
  });
});

// Where Python's numpy is installed (Debian: python3-numpy), it reads what encodeNpy writes and
// writes what parseNpy reads. Elsewhere the fixtures above stand in for it.
function findNumpyPython() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}
const numpyPython = findNumpyPython();

(numpyPython ? describe : describe.skip)('with numpy itself', () => {
  let dir;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sepconv-npy-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('numpy.load reads encodeNpy output; parseNpy reads numpy.save output', () => {
    const mine = path.join(dir, 'mine.npy');
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 3 - 4);
    fs.writeFileSync(mine, encodeNpy(data, [1, 2, 3, 4]));
    const script = [
      'import numpy as np, sys',
      'a = np.load(sys.argv[1])',
      "assert a.dtype == np.float32 and a.shape == (1, 2, 3, 4) and a.flags['C_CONTIGUOUS'], (a.dtype, a.shape)",
      'assert np.array_equal(a.ravel(), (np.arange(24) / 3 - 4).astype(np.float32))',
      "np.save(sys.argv[2], (np.arange(12, dtype='>f8') * 0.25).reshape(3, 4))",
      "np.lib.format.write_array(open(sys.argv[3], 'wb'), np.arange(5, dtype='<f4'), version=(2, 0))",
      'with open(sys.argv[1], "rb") as f: assert f.read() == open(sys.argv[4], "rb").read()',
    ].join('\n');
    const theirs = path.join(dir, 'theirs.npy');
    const v2 = path.join(dir, 'v2.npy');
    const again = path.join(dir, 'again.npy');
    execFileSync(numpyPython, ['-c', `import numpy as np, sys\nnp.save(sys.argv[2], np.load(sys.argv[1]))`, mine, again]);
    execFileSync(numpyPython, ['-c', script, mine, theirs, v2, again]);
    const a = parseNpy(fs.readFileSync(theirs), 'theirs.npy');
    expect(a.shape).toEqual([3, 4]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 0.25));
    expect(Array.from(parseNpy(fs.readFileSync(v2), 'v2.npy').data)).toEqual([0, 1, 2, 3, 4]);
  });
});
