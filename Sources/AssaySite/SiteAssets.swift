/// The site's stylesheet and its one script, written as files (no third-party requests).
enum SiteAssets {
    static let css = #"""
:root { --bg: #ffffff; --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57a4; --ok: #146c2e; --bad: #a4161a; --band: #f2f5f9; --chart: #0b57a4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121417; --fg: #ececec; --muted: #c4c4c4; --line: #4a4f57; --accent: #8cc4ff; --ok: #7ee2a0; --bad: #ff9b9b; --band: #1d2127; --chart: #8cc4ff; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, [tabindex]:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
header { border-bottom: 1px solid var(--line); padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; }
.brand { margin: 0; font-weight: 700; }
.brand span { font-weight: 400; color: var(--muted); }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 1rem; max-width: 80rem; }
footer { border-top: 1px solid var(--line); padding: 1rem; color: var(--muted); }
.banner { flex-basis: 100%; margin: 0; padding: .75rem 1rem; background: var(--band); border-bottom: 2px solid var(--bad); }
.status { background: var(--band); padding: .5rem .75rem; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.table-wrap { overflow-x: auto; margin: 0 0 1.5rem; }
table.data { border-collapse: collapse; min-width: 32rem; }
table.data caption { text-align: left; font-weight: 600; padding: .25rem 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; }
table.hashes code { word-break: break-all; font-size: .85em; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
pre { background: var(--band); padding: .75rem; overflow-x: auto; }
svg.spark polyline, svg.chart polyline { fill: none; stroke: var(--chart); stroke-width: 1.5; }
svg.spark circle { fill: var(--chart); }
svg.chart { width: 100%; max-width: 720px; height: auto; }
svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart line.grid { stroke: var(--line); stroke-width: .5; }
svg.bars rect { fill: var(--chart); }
svg.chart polyline.s0 { stroke: #1b6ac9; } svg.chart polyline.s1 { stroke: #c2410c; } svg.chart polyline.s2 { stroke: #15803d; }
svg.chart polyline.s3 { stroke: #7e22ce; } svg.chart polyline.s4 { stroke: #a16207; } svg.chart polyline.s5 { stroke: #be185d; }
svg.chart polyline.s6 { stroke: #0e7490; } svg.chart polyline.s7 { stroke: #4b5563; }
svg.chart circle.s0, .key.s0 { fill: #1b6ac9; background: #1b6ac9; } svg.chart circle.s1, .key.s1 { fill: #c2410c; background: #c2410c; }
svg.chart circle.s2, .key.s2 { fill: #15803d; background: #15803d; } svg.chart circle.s3, .key.s3 { fill: #7e22ce; background: #7e22ce; }
svg.chart circle.s4, .key.s4 { fill: #a16207; background: #a16207; } svg.chart circle.s5, .key.s5 { fill: #be185d; background: #be185d; }
svg.chart circle.s6, .key.s6 { fill: #0e7490; background: #0e7490; } svg.chart circle.s7, .key.s7 { fill: #4b5563; background: #4b5563; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .9em; }
ul.legend .key { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: middle; }
figure { margin: 0 0 1rem; }
figcaption { color: var(--muted); font-size: .9em; }
ol.calendar { list-style: none; display: flex; flex-wrap: wrap; gap: 2px; padding: 0; max-width: 46rem; }
ol.calendar li { width: 1.4rem; height: 1.4rem; display: flex; align-items: center; justify-content: center; font-size: .8rem; border: 1px solid var(--line); }
ol.calendar li.met { background: var(--ok); color: var(--bg); }
ol.calendar li.missed { background: var(--bad); color: var(--bg); }
ol.calendar li.none { color: var(--muted); }
ol.calendar li.not-judged { color: var(--fg); border-style: dashed; border-color: var(--muted); }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button { font: inherit; padding: .4rem .8rem; }
"""#

    /// In-browser verification (progressive enhancement): SSHSIG over Ed25519 with WebCrypto, SHA-256 of files.
    static let verifyJS = #"""
"use strict";
(function () {
  const support = document.getElementById("verify-support");
  const start = document.getElementById("verify-start");
  const summary = document.getElementById("verify-summary");
  const table = document.getElementById("verify-results");
  const enc = new TextEncoder();
  function u32(n) { return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]); }
  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  function sshString(bytes) { return concat([u32(bytes.length), bytes]); }
  function hex(buffer) { return Array.from(new Uint8Array(buffer), b => b.toString(16).padStart(2, "0")).join(""); }
  function b64(text) { const raw = atob(text); return Uint8Array.from(raw, c => c.charCodeAt(0)); }
  function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
  // PROTOCOL.sshsig: "SSHSIG" u32(1) string(publickey) string(namespace) string(reserved) string(hash) string(signature)
  function parseSignature(text) {
    const lines = text.trim().split(/\r?\n/);
    if (lines[0] !== "-----BEGIN SSH SIGNATURE-----" || lines[lines.length - 1] !== "-----END SSH SIGNATURE-----") throw new Error("not an armored SSH signature");
    const blob = b64(lines.slice(1, -1).join(""));
    let at = 6;
    if (new TextDecoder().decode(blob.slice(0, 6)) !== "SSHSIG") throw new Error("not SSHSIG");
    function u() { const v = (blob[at] << 24 | blob[at + 1] << 16 | blob[at + 2] << 8 | blob[at + 3]) >>> 0; at += 4; return v; }
    function s() { const n = u(); if (at + n > blob.length) throw new Error("truncated"); const v = blob.slice(at, at + n); at += n; return v; }
    if (u() !== 1) throw new Error("version is not 1");
    const key = s(), namespace = new TextDecoder().decode(s()), reserved = s(), hash = new TextDecoder().decode(s()), sig = s();
    if (at !== blob.length || reserved.length !== 0) throw new Error("malformed signature blob");
    let k = 0;
    function ks(b) { const n = (b[k] << 24 | b[k + 1] << 16 | b[k + 2] << 8 | b[k + 3]) >>> 0; const v = b.slice(k + 4, k + 4 + n); k += 4 + n; return v; }
    if (new TextDecoder().decode(ks(key)) !== "ssh-ed25519") throw new Error("not an Ed25519 key");
    const raw = ks(key);
    k = 0;
    if (new TextDecoder().decode(ks(sig)) !== "ssh-ed25519") throw new Error("not an Ed25519 signature");
    const signature = ks(sig);
    if (raw.length !== 32 || signature.length !== 64) throw new Error("bad key or signature length");
    return { key: raw, namespace, hash, signature };
  }
  async function verifySignature(text, message, allowed) {
    const parsed = parseSignature(text);
    if (parsed.namespace !== "assay-manifest-v1") throw new Error("namespace is " + parsed.namespace);
    if (!allowed.some(k => equal(b64(k), parsed.key))) throw new Error("the key is not in the trust policy");
    const algorithm = parsed.hash === "sha512" ? "SHA-512" : parsed.hash === "sha256" ? "SHA-256" : null;
    if (!algorithm) throw new Error("unknown hash " + parsed.hash);
    const digest = new Uint8Array(await crypto.subtle.digest(algorithm, message));
    const signed = concat([enc.encode("SSHSIG"), sshString(enc.encode(parsed.namespace)), sshString(new Uint8Array(0)), sshString(enc.encode(parsed.hash)), sshString(digest)]);
    const key = await crypto.subtle.importKey("raw", parsed.key, { name: "Ed25519" }, false, ["verify"]);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, signed))) throw new Error("the Ed25519 signature does not verify");
  }
  function row(file, check, ok, detail) {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.scope = "row"; th.textContent = file;
    const c = document.createElement("td"); c.textContent = check;
    const r = document.createElement("td"); r.textContent = (ok ? "✓ ok" : "✗ FAILED") + (detail ? ": " + detail : "");
    r.className = ok ? "ok" : "bad";
    tr.append(th, c, r);
    table.tBodies[0].append(tr);
  }
  async function fetchBytes(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return new Uint8Array(await response.arrayBuffer());
  }
  async function run() {
    start.disabled = true;
    table.hidden = false;
    table.tBodies[0].replaceChildren();
    let good = 0, bad = 0;
    function note(file, check, ok, detail) { row(file, check, ok, detail); if (ok) good++; else bad++; }
    try {
      const index = JSON.parse(new TextDecoder().decode(await fetchBytes("api/v1/provenance.json")));
      for (const bundle of index.bundles) {
        let manifest;
        try {
          manifest = await fetchBytes(bundle.manifest);
          note(bundle.manifest, "SHA-256 is the published manifest hash", hex(await crypto.subtle.digest("SHA-256", manifest)) === bundle.manifest_sha256);
        } catch (e) { note(bundle.manifest, "download", false, e.message); continue; }
        const named = JSON.parse(new TextDecoder().decode(manifest)).files;
        for (const signature of bundle.signatures) {
          try {
            const text = new TextDecoder().decode(await fetchBytes(signature.url));
            await verifySignature(text, manifest, index.keys.filter(k => k.principals.includes(signature.signer)).map(k => k.key));
            note(signature.url, "SSHSIG by " + signature.signer, true);
          } catch (e) { note(signature.url, "SSHSIG by " + signature.signer, false, e.message); }
        }
        for (const file of bundle.files) {
          try {
            const bytes = await fetchBytes(file.url);
            const entry = named.find(f => f.name === file.name);
            const digest = hex(await crypto.subtle.digest("SHA-256", bytes));
            note(file.url, "SHA-256 as the signed manifest says", entry && entry.sha256 === digest && entry.size === bytes.length, entry ? "" : "not named in the manifest");
          } catch (e) { note(file.url, "download", false, e.message); }
        }
      }
      summary.textContent = bad === 0 ? "Verified: all " + good + " checks passed." : "FAILED: " + bad + " of " + (good + bad) + " checks failed.";
      summary.className = bad === 0 ? "ok" : "bad";
    } catch (e) {
      summary.textContent = "FAILED: " + e.message;
      summary.className = "bad";
    }
    document.body.dataset.verify = bad === 0 ? "ok" : "failed";
    start.disabled = false;
  }
  async function supported() {
    if (!(window.crypto && crypto.subtle)) return false;
    try { await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]); return true; } catch (e) { return false; }
  }
  supported().then(ok => {
    if (!ok) {
      support.textContent = "This browser has no WebCrypto Ed25519, so it cannot check the signatures itself. Verify with the command line as Provenance shows.";
      document.body.dataset.verify = "unsupported";
      return;
    }
    support.textContent = "This browser can check the signatures itself.";
    start.hidden = false;
    start.addEventListener("click", run);
    if (location.hash === "#run") run();
  });
})();
"""#
}
