// AssemblyScript source of the number formatter behind the results files (src/io/_rows.ts).
// `deno task wasm` compiles it into src/io/_number_text_wasm.ts. Not part of the TypeScript
// build: this file is AssemblyScript, where u64 and i32 are machine types.
//
// format(x, at) writes the text of x at byte `at` of the memory, exactly as JavaScript's
// String(x) does (the shortest decimal that reads back to x, the closest such one on ties; the
// layout of Number#toString) except that negative zero is "-0". It does this without
// creating a string, which is what costs most in String(x) for a file of millions of numbers.
//
// The method is Raffaello Giulietti's Schubfach ("The Schubfach way to render doubles", 2020):
// for x = c 2^q, pick k so that 10^k is near 2^q; compute, rounded to odd, x 10^-k and the
// bounds of the interval of reals that round to x, from c and a 126-bit approximation g of
// 10^-k (the host fills the table, from its definition, before the first call); then choose
// among the one or two decimals of the right length that fall inside the interval. Subnormals
// are left to the host (format returns 0): the method gives some of them a second digit that
// JavaScript does not write (4.9e-324 for 5e-324).

const K_MIN: i32 = -324;
const K_COUNT: i32 = 617;
// g(k) for k = K_MIN, K_MIN + 1, ...: g >> 63, then g & (2^63 - 1), as u64 each.
const TABLE: usize = memory.data(K_COUNT * 16);
// The digits of one number, written right to left.
const DIGITS: usize = memory.data(32);
const MASK63: u64 = 0x7fffffffffffffff;

// "00" .. "99", two bytes each.
const PAIRS: usize = memory.data<u8>([
  48, 48, 48, 49, 48, 50, 48, 51, 48, 52, 48, 53, 48, 54, 48, 55, 48, 56, 48, 57,
  49, 48, 49, 49, 49, 50, 49, 51, 49, 52, 49, 53, 49, 54, 49, 55, 49, 56, 49, 57,
  50, 48, 50, 49, 50, 50, 50, 51, 50, 52, 50, 53, 50, 54, 50, 55, 50, 56, 50, 57,
  51, 48, 51, 49, 51, 50, 51, 51, 51, 52, 51, 53, 51, 54, 51, 55, 51, 56, 51, 57,
  52, 48, 52, 49, 52, 50, 52, 51, 52, 52, 52, 53, 52, 54, 52, 55, 52, 56, 52, 57,
  53, 48, 53, 49, 53, 50, 53, 51, 53, 52, 53, 53, 53, 54, 53, 55, 53, 56, 53, 57,
  54, 48, 54, 49, 54, 50, 54, 51, 54, 52, 54, 53, 54, 54, 54, 55, 54, 56, 54, 57,
  55, 48, 55, 49, 55, 50, 55, 51, 55, 52, 55, 53, 55, 54, 55, 55, 55, 56, 55, 57,
  56, 48, 56, 49, 56, 50, 56, 51, 56, 52, 56, 53, 56, 54, 56, 55, 56, 56, 56, 57,
  57, 48, 57, 49, 57, 50, 57, 51, 57, 52, 57, 53, 57, 54, 57, 55, 57, 56, 57, 57,
]);

/** Where the host fills in the table of g. */
export function table(): usize {
  return TABLE;
}

/** The first byte past this module's own data: the host's from there on. */
export function base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

// The high 64 bits of a * b (WebAssembly has no 64 x 64 -> 128 multiply).
// @ts-ignore: decorator
@inline function mulHigh(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32;
  const b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// floor(x / 10) for any u64, by a multiply: 0xcccccccccccccccd = ceil(2^67 / 10).
// @ts-ignore: decorator
@inline function div10(x: u64): u64 {
  return mulHigh(x, 0xcccccccccccccccd) >> 3;
}

// cp g / 2^127 rounded to odd, where g = g1 2^63 + g0: the integer part, with its lowest bit
// set when a fraction was dropped (so that comparisons with exact values stay exact). The
// lowest bits of the product do not reach the result.
// @ts-ignore: decorator
@inline function roundToOdd(g1: u64, g0: u64, cp: u64): u64 {
  const x1 = mulHigh(g0, cp);
  const y0 = g1 * cp;
  const y1 = mulHigh(g1, cp);
  const z = (y0 >> 1) + x1;
  return (y1 + (z >> 63)) | (((z & MASK63) + MASK63) >> 63);
}

// Writes f 10^e (f > 0) at `at` in Number#toString's layout; returns the end.
function writeDecimal(f: u64, e: i32, at: usize): usize {
  // Trailing zeros, which a short decimal has many of at Schubfach's 17 digits: eight at a time
  // while f has more than eight digits (floor(f / 10^8) by a multiply, as below), then one at a
  // time, in 32 bits once f fits (a division by a constant there is a multiply too).
  for (let i = 0; i < 2 && f >= 100000000; i++) {
    const hi = mulHigh(f, 0xabcc77118461d000) >> 26;
    if (hi * 100000000 != f) break;
    f = hi;
    e += 8;
  }
  if (f < 0x100000000) {
    let g = <u32>f;
    while (g % 10 == 0) {
      g /= 10;
      e++;
    }
    f = g;
  } else {
    let q = div10(f);
    while (f == q * 10) {
      f = q;
      e++;
      q = div10(f);
    }
  }
  const end: usize = DIGITS + 24;
  let p = end;
  // f < 10^17: its lowest 8 digits, then at most 9 more, two at a time in 32 bits.
  let h: u32;
  if (f >= 100000000) {
    // floor(f / 10^8) by a multiply: 0xabcc77118461d000 = ceil(2^90 / 10^8), exact for f < 2^64.
    const hi = mulHigh(f, 0xabcc77118461d000) >> 26;
    let lo = <u32>(f - hi * 100000000);
    for (let i = 0; i < 4; i++) {
      const r = lo % 100;
      lo /= 100;
      p -= 2;
      store<u16>(p, load<u16>(PAIRS + (r << 1)));
    }
    h = <u32>hi;
  } else {
    h = <u32>f;
  }
  while (h >= 100) {
    const r = h % 100;
    h /= 100;
    p -= 2;
    store<u16>(p, load<u16>(PAIRS + (r << 1)));
  }
  if (h >= 10) {
    p -= 2;
    store<u16>(p, load<u16>(PAIRS + (h << 1)));
  } else {
    p--;
    store<u8>(p, 48 + h);
  }
  const len = <i32>(end - p);
  // x = 0.d1 d2 ... d_len 10^n, and Number#toString's layout follows from n.
  const n = len + e;
  if (len <= n && n <= 21) {
    memory.copy(at, p, len);
    at += len;
    for (let i = len; i < n; i++) store<u8>(at++, 48);
    return at;
  }
  if (0 < n && n <= 21) {
    memory.copy(at, p, n);
    at += n;
    store<u8>(at++, 46);
    memory.copy(at, p + n, len - n);
    return at + len - n;
  }
  if (-6 < n && n <= 0) {
    store<u8>(at++, 48);
    store<u8>(at++, 46);
    for (let i = n; i < 0; i++) store<u8>(at++, 48);
    memory.copy(at, p, len);
    return at + len;
  }
  store<u8>(at++, load<u8>(p));
  if (len > 1) {
    store<u8>(at++, 46);
    memory.copy(at, p + 1, len - 1);
    at += len - 1;
  }
  store<u8>(at++, 101);
  let x = n - 1;
  if (x < 0) {
    store<u8>(at++, 45);
    x = -x;
  } else {
    store<u8>(at++, 43);
  }
  if (x >= 100) {
    store<u8>(at++, 48 + x / 100);
    x %= 100;
    store<u8>(at++, 48 + x / 10);
    x %= 10;
  } else if (x >= 10) {
    store<u8>(at++, 48 + x / 10);
    x %= 10;
  }
  store<u8>(at++, 48 + x);
  return at;
}

function writeAscii(at: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(at++, <u8>s.charCodeAt(i));
  return at;
}

/** Writes the text of x at `at`; returns the end, or 0 for a subnormal (the host writes it). */
export function format(x: f64, at: usize): usize {
  const bits = reinterpret<u64>(x);
  const biased = <i32>((bits >> 52) & 0x7ff);
  const t = bits & 0xfffffffffffff;
  if (biased == 0x7ff) {
    if (t != 0) return writeAscii(at, "NaN");
    if (bits >> 63) store<u8>(at++, 45);
    return writeAscii(at, "Infinity");
  }
  if (biased == 0) {
    if (t != 0) return 0;
    if (bits >> 63) store<u8>(at++, 45);
    store<u8>(at, 48);
    return at + 1;
  }
  if (bits >> 63) store<u8>(at++, 45);
  // x = c 2^q with 2^52 <= c < 2^53.
  const c = t | (<u64>1 << 52);
  const q = biased - 1075;
  if (q < 0 && q > -53) {
    // An integer below 2^53: its digits as they are.
    const f = c >> <u64>(-q);
    if (f << <u64>(-q) == c) return writeDecimal(f, 0, at);
  }
  // The reals that round to x lie between (c - 1/2) 2^q and (c + 1/2) 2^q, except just above
  // a power of two, where the gap below is half as wide; in units of 2^q / 4 they are
  // cbl .. cbr, included when c is even.
  const odd = c & 1;
  const cb = c << 2;
  const cbr = cb + 2;
  let cbl: u64;
  let k: i32;
  // floor(log10(2^q)) and floor(log10(3/4 2^q)), by fixed-point multiplies exact for |q| < 1100.
  if (c != (<u64>1 << 52) || q == -1074) {
    cbl = cb - 2;
    k = <i32>((<i64>q * 661971961083) >> 41);
  } else {
    cbl = cb - 1;
    k = <i32>((<i64>q * 661971961083 - 274743187321) >> 41);
  }
  // h = q + floor(log2(10^-k)) + 2 lines the product up with the table's scale.
  const h = q + <i32>((<i64>(-k) * 913124641741) >> 38) + 2;
  const row = TABLE + (<usize>(k - K_MIN) << 4);
  const g1 = load<u64>(row);
  const g0 = load<u64>(row, 8);
  const vb = roundToOdd(g1, g0, cb << <u64>h);
  const vbl = roundToOdd(g1, g0, cbl << <u64>h);
  const vbr = roundToOdd(g1, g0, cbr << <u64>h);
  // s 10^k is the decimal just below x at this scale (17 digits or so).
  const s = vb >> 2;
  if (s >= 100) {
    // One digit fewer: exactly one multiple of ten next to s in the interval wins outright.
    const sp10 = div10(s) * 10;
    const tp10 = sp10 + 10;
    const upin = vbl + odd <= sp10 << 2;
    const wpin = (tp10 << 2) + odd <= vbr;
    if (upin != wpin) return writeDecimal(upin ? sp10 : tp10, k, at);
  }
  const u = s + 1;
  const uin = vbl + odd <= s << 2;
  const win = (u << 2) + odd <= vbr;
  if (uin != win) return writeDecimal(uin ? s : u, k, at);
  // Both in the interval: the closer one, the even one on a tie.
  const cmp = <i64>(vb - ((s + u) << 1));
  return writeDecimal(cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : u, k, at);
}
