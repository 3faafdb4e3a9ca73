// Input images: samples drawn in code (nothing is downloaded) and the user's own images,
// downscaled. An image is {data: Float32Array (HWC, RGB, values in [0, 1]), H, W, C: 3}.

export const SAMPLE_SIZE = 80;
export const MAX_USER_SIZE = 128;

function canvas2d(W, H) {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  return canvas.getContext('2d', { willReadFrequently: true });
}

function fromContext(ctx) {
  const { width: W, height: H } = ctx.canvas;
  const px = ctx.getImageData(0, 0, W, H).data;
  const data = new Float32Array(W * H * 3);
  for (let p = 0; p < W * H; p++) {
    for (let k = 0; k < 3; k++) data[p * 3 + k] = px[p * 4 + k] / 255;
  }
  return { data, H, W, C: 3 };
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shapes(S) {
  const ctx = canvas2d(S, S);
  const sky = ctx.createLinearGradient(0, 0, S, S);
  sky.addColorStop(0, '#1b2a4a');
  sky.addColorStop(1, '#3c7a89');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, S, S);
  ctx.fillStyle = '#f6c945';
  ctx.beginPath();
  ctx.arc(S * 0.3, S * 0.32, S * 0.17, 0, Math.PI * 2);
  ctx.fill();
  ctx.save();
  ctx.translate(S * 0.7, S * 0.35);
  ctx.rotate(Math.PI / 7);
  ctx.fillStyle = '#e4572e';
  ctx.fillRect(-S * 0.14, -S * 0.14, S * 0.28, S * 0.28);
  ctx.restore();
  ctx.fillStyle = '#76b041';
  ctx.beginPath();
  ctx.moveTo(S * 0.12, S * 0.9);
  ctx.lineTo(S * 0.38, S * 0.52);
  ctx.lineTo(S * 0.62, S * 0.9);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = S * 0.045;
  ctx.beginPath();
  ctx.arc(S * 0.76, S * 0.74, S * 0.12, 0, Math.PI * 2);
  ctx.stroke();
  return fromContext(ctx);
}

function checkerboard(S) {
  const ctx = canvas2d(S, S);
  const cell = S / 8;
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      ctx.fillStyle = (i + j) % 2 ? '#f2efe6' : '#2b2d42';
      ctx.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  const tint = ctx.createLinearGradient(0, 0, S, 0);
  tint.addColorStop(0, 'rgba(230, 57, 70, 0.45)');
  tint.addColorStop(1, 'rgba(69, 123, 157, 0.45)');
  ctx.fillStyle = tint;
  ctx.fillRect(0, 0, S, S);
  return fromContext(ctx);
}

/** A zone plate: cos(k r^2), frequencies rising outwards; strides alias it visibly. */
function zonePlate(S) {
  const data = new Float32Array(S * S * 3);
  const c = (S - 1) / 2;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const r2 = (x - c) ** 2 + (y - c) ** 2;
      const v = 0.5 + 0.5 * Math.cos((Math.PI * r2) / (1.1 * S));
      const p = (y * S + x) * 3;
      data[p] = v;
      data[p + 1] = 0.25 + 0.6 * v * (x / S);
      data[p + 2] = 1 - v * 0.8;
    }
  }
  return { data, H: S, W: S, C: 3 };
}

/** Value noise in one dimension: smooth random heights for the hills. */
function ridge(random, S, octaves) {
  const heights = new Float32Array(S);
  let amplitude = 1, period = S / 2;
  for (let o = 0; o < octaves; o++) {
    const knots = Array.from({ length: Math.ceil(S / period) + 2 }, random);
    for (let x = 0; x < S; x++) {
      const u = x / period, i = Math.floor(u), f = u - i;
      const s = f * f * (3 - 2 * f);
      heights[x] += amplitude * (knots[i] * (1 - s) + knots[i + 1] * s);
    }
    amplitude /= 2;
    period /= 2;
  }
  return heights;
}

function landscape(S) {
  const ctx = canvas2d(S, S);
  const sky = ctx.createLinearGradient(0, 0, 0, S * 0.65);
  sky.addColorStop(0, '#f28f3b');
  sky.addColorStop(1, '#ffd5a5');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, S, S);
  ctx.fillStyle = '#fff3c4';
  ctx.beginPath();
  ctx.arc(S * 0.66, S * 0.36, S * 0.11, 0, Math.PI * 2);
  ctx.fill();
  const random = rng(11);
  const layers = [['#8e5572', 0.38, 0.22], ['#5b3758', 0.5, 0.18], ['#2e1f3e', 0.62, 0.14]];
  for (const [color, base, height] of layers) {
    const h = ridge(random, S, 4);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(0, S);
    for (let x = 0; x <= S; x++) ctx.lineTo(x, S * (base + height * (1 - h[Math.min(x, S - 1)] / 1.9)));
    ctx.lineTo(S, S);
    ctx.closePath();
    ctx.fill();
  }
  const water = ctx.createLinearGradient(0, S * 0.8, 0, S);
  water.addColorStop(0, '#3d5a80');
  water.addColorStop(1, '#1d3557');
  ctx.fillStyle = water;
  ctx.fillRect(0, S * 0.8, S, S * 0.2);
  ctx.fillStyle = 'rgba(255, 243, 196, 0.7)';
  for (let i = 0; i < 5; i++) ctx.fillRect(S * (0.6 - i * 0.01), S * (0.83 + i * 0.03), S * (0.12 + i * 0.02), 1);
  return fromContext(ctx);
}

function colorWheel(S) {
  const ctx = canvas2d(S, S);
  const wheel = ctx.createConicGradient(0, S / 2, S / 2);
  ['#ff0000', '#ffff00', '#00ff00', '#00ffff', '#0000ff', '#ff00ff', '#ff0000'].forEach((c, i) => wheel.addColorStop(i / 6, c));
  ctx.fillStyle = wheel;
  ctx.fillRect(0, 0, S, S);
  const fade = ctx.createRadialGradient(S / 2, S / 2, 0, S / 2, S / 2, S * 0.7);
  fade.addColorStop(0, 'rgba(255,255,255,1)');
  fade.addColorStop(0.7, 'rgba(255,255,255,0)');
  ctx.fillStyle = fade;
  ctx.fillRect(0, 0, S, S);
  return fromContext(ctx);
}

export const SAMPLES = [
  { id: 'shapes', label: 'Shapes', make: shapes },
  { id: 'landscape', label: 'Landscape', make: landscape },
  { id: 'checkerboard', label: 'Checkerboard', make: checkerboard },
  { id: 'zoneplate', label: 'Zone plate', make: zonePlate },
  { id: 'wheel', label: 'Colour wheel', make: colorWheel },
];

/** A sample image by id, SAMPLE_SIZE x SAMPLE_SIZE. */
export function sampleImage(id) {
  const sample = SAMPLES.find((s) => s.id === id) || SAMPLES[0];
  return sample.make(SAMPLE_SIZE);
}

/** A user's image file (any format the browser decodes), downscaled to at most MAX_USER_SIZE px. */
export async function imageFromFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`could not read ${file.name || 'the file'} as an image`);
  }
  const f = Math.min(1, MAX_USER_SIZE / Math.max(bitmap.width, bitmap.height));
  const W = Math.max(1, Math.round(bitmap.width * f));
  const H = Math.max(1, Math.round(bitmap.height * f));
  const ctx = canvas2d(W, H);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, W, H);
  bitmap.close();
  return fromContext(ctx);
}

/** The image as the network input: RGB as is, or one luma channel (Rec. 601). */
export function toChannels(image, channels) {
  if (channels === 3) return image;
  const { H, W } = image;
  const data = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) {
    data[p] = 0.299 * image.data[p * 3] + 0.587 * image.data[p * 3 + 1] + 0.114 * image.data[p * 3 + 2];
  }
  return { data, H, W, C: 1 };
}
