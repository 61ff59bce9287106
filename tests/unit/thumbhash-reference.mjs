// thumbhash-reference.mjs - the pinned values of check_thumbhash.c.
//
// Run by hand, not by make check (CI has no npm), with the reference
// encoder, Evan Wallace's npm package thumbhash 0.1.1:
//
//   cd /tmp && npm pack thumbhash@0.1.1 && tar xzf thumbhash-0.1.1.tgz
//   node tests/unit/thumbhash-reference.mjs /tmp/package/thumbhash.js
//
// It builds the same images as check_thumbhash.c's make_image() (keep
// the two in step) and reads the same PPM photographs, and prints one C
// table row per image: its name and the base64 of rgbaToThumbHash().
// Paste the rows into check_thumbhash.c's table.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const lib = await import(process.argv[2] ?? 'thumbhash')
const here = dirname(fileURLToPath(import.meta.url))

// A P6 PPM as check_thumbhash.c reads it: "P6", "#" lines, "W H", "255".
function readPpm(name) {
  const d = readFileSync(join(here, 'data', name))
  const text = d.toString('latin1')
  const m = /^P6\n(?:#[^\n]*\n)*(\d+) (\d+)\n255\n/.exec(text)
  const w = +m[1], h = +m[2], px = d.subarray(m[0].length)
  const rgba = new Uint8Array(w * h * 4)
  for (let i = 0; i < w * h; i++) {
    rgba.set(px.subarray(i * 3, i * 3 + 3), i * 4)
    rgba[i * 4 + 3] = 255
  }
  return { w, h, rgba }
}

// The synthetic images: PIXEL(x, y, w, h) gives [r, g, b, a], integers
// only, so that C computes the very same bytes.
const idiv = (a, b) => Math.floor(a / b)
const synthetic = {
  'gradient-64x48': [64, 48, (x, y, w, h) =>
    [idiv(x * 255, w - 1), idiv(y * 255, h - 1), ((x + y) * 3) & 255, 255]],
  'disc-alpha-40x40': [40, 40, (x, y, w, h) => {
    const dx = 2 * x + 1 - w, dy = 2 * y + 1 - h, d2 = dx * dx + dy * dy
    const a = d2 < idiv(w * w * 9, 16) ? 255 : d2 < w * w ? 128 : 0
    return [200, (y * 5) & 255, 40, a]
  }],
  'tall-alpha-20x100': [20, 100, (x, y) =>
    [(x * 13) & 255, 90, (y * 7) & 255, idiv(y * 255, 99)]],
  'wide-checker-100x10': [100, 10, (x, y) => {
    const on = ((x >> 2) + (y >> 1)) & 1
    return [on ? 230 : 20, on ? 210 : 40, on ? 60 : 180, 255]
  }],
  'pixel-1x1': [1, 1, () => [10, 200, 30, 255]],
  'transparent-8x8': [8, 8, (x, y) => [x * 30, y * 30, 99, 0]],
}

function make(w, h, pixel) {
  const rgba = new Uint8Array(w * h * 4)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      rgba.set(pixel(x, y, w, h), (y * w + x) * 4)
  return { w, h, rgba }
}

const images = []
for (const [name, [w, h, pixel]] of Object.entries(synthetic))
  images.push([name, make(w, h, pixel)])
images.push(['hopper-41x48', readPpm('thumbhash-hopper-41x48.ppm')])
// the flag crop with an alpha ramp laid over it, as check_thumbhash.c does
const flag = readPpm('thumbhash-flag-32x24.ppm')
for (let y = 0; y < flag.h; y++)
  for (let x = 0; x < flag.w; x++)
    flag.rgba[(y * flag.w + x) * 4 + 3] = idiv((x + 2 * y) * 255, 77)
images.push(['flag-alpha-32x24', flag])

for (const [name, { w, h, rgba }] of images) {
  const hash = lib.rgbaToThumbHash(w, h, rgba)
  console.log(`\t{ "${name}", "${Buffer.from(hash).toString('base64')}" },`)
}
