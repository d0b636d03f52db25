// RFC 4122 UUID version 5 (SHA-1, name-based): the runtime names a sub-agent's session
// uuid5(NAMESPACE_URL, "bosun:<our contextId>:<tool name>") (runtime/toolsets/remote_agent.py),
// so the UI can find it. SHA-1 by hand because crypto.subtle exists only on HTTPS/localhost.

function sha1(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  const words = ((length + 8) >> 6) + 1;
  const w = new Uint32Array(words * 16);
  for (let i = 0; i < length; i++) w[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
  w[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
  w[words * 16 - 1] = length * 8;
  let [a, b, c, d, e] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const x = new Uint32Array(80);
  const rol = (v: number, n: number) => (v << n) | (v >>> (32 - n));
  for (let block = 0; block < w.length; block += 16) {
    for (let i = 0; i < 80; i++) x[i] = i < 16 ? w[block + i] : rol(x[i - 3] ^ x[i - 8] ^ x[i - 14] ^ x[i - 16], 1);
    let [aa, bb, cc, dd, ee] = [a, b, c, d, e];
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? (bb & cc) | (~bb & dd) : i < 40 ? bb ^ cc ^ dd : i < 60 ? (bb & cc) | (bb & dd) | (cc & dd) : bb ^ cc ^ dd;
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const t = (rol(aa, 5) + f + ee + k + x[i]) >>> 0;
      [ee, dd, cc, bb, aa] = [dd, cc, rol(bb, 30) >>> 0, aa, t];
    }
    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
    e = (e + ee) >>> 0;
  }
  const out = new Uint8Array(20);
  [a, b, c, d, e].forEach((v, i) => {
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  });
  return out;
}

const NAMESPACE_URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

export function uuid5(name: string, namespace = NAMESPACE_URL): string {
  const ns = namespace.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16));
  const text = new TextEncoder().encode(name);
  const hash = sha1(new Uint8Array([...ns, ...text]));
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = Array.from(hash.slice(0, 16), (v) => v.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
