// A report's inclusion in the transparency log, checked in the browser with WebCrypto SHA-256
// (RFC 6962 hashing, RFC 9162 section 2.1.3.2 verification).
//
// The report leaf is *recomputed from the full report the API serves*: the envelope's canonical
// JSON is hashed (it must hash to the report's digest), the ledger's bytes are hashed, and the
// report entry is rebuilt from the served organisation, signer, title and FLOP in the registry's
// canonical JSON (sorted keys, no spaces, Python's float notation). Its leaf hash must then lead,
// through the served audit path, to the root of the log's C2SP checkpoint. So a report whose FLOP,
// title, signer or envelope was edited after it was logged turns the mark red. The verdict leaf's
// outcome, partial flag and verifier are compared with what the page shows.
(function () {
  "use strict";
  const el = document.getElementById("log-inclusion");
  const mark = document.getElementById("log-inclusion-mark");
  if (!el || !mark) return;
  const enc = new TextEncoder();
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
  const sha256hex = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));
  const sha = async (prefix, ...parts) => {
    const len = parts.reduce((n, p) => n + p.length, 1);
    const buf = new Uint8Array(len);
    buf[0] = prefix;
    let at = 1;
    for (const p of parts) { buf.set(p, at); at += p.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  };
  const getJson = async (path) => {
    const resp = await fetch(path, { headers: { accept: "application/json" } });
    if (!resp.ok) throw new Error(path + ": HTTP " + resp.status);
    return resp.json();
  };
  // Python's repr of a float (what json.dumps writes): shortest round-trip digits, exponent form
  // outside 1e-4 <= |x| < 1e16, a ".0" on whole numbers.
  function pyFloat(x) {
    if (!Number.isFinite(x)) throw new Error("a non-finite number cannot be canonical JSON");
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [m, eText] = x.toExponential().split("e");
    const e = parseInt(eText, 10);
    const sign = m.startsWith("-") ? "-" : "";
    const digits = m.replace("-", "").replace(".", "");
    if (e >= -4 && e < 16) {
      if (e < 0) return sign + "0." + "0".repeat(-e - 1) + digits;
      return sign + digits.slice(0, e + 1).padEnd(e + 1, "0") + "." + (digits.slice(e + 1) || "0");
    }
    const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    return sign + mant + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  // The registry's canonical JSON (json.dumps sort_keys, separators (",", ":"), ensure_ascii False).
  // Integers are written as integers; ``floats`` names the keys whose values are Python floats.
  function canonical(value, floats) {
    if (value === null || typeof value === "boolean") return JSON.stringify(value);
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map((v) => canonical(v, floats)).join(",") + "]";
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + (floats && floats.has(k) && typeof value[k] === "number"
      ? pyFloat(value[k]) : canonical(value[k], floats))).join(",") + "}";
  }
  async function rootFromPath(leaf, index, size, path) {
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) throw new Error("audit path too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await sha(1, p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha(1, r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("audit path too short");
    return hex(r);
  }
  async function checkpoint() {
    const resp = await fetch("/api/v1/log/checkpoint");
    if (!resp.ok) throw new Error("checkpoint: HTTP " + resp.status);
    const lines = (await resp.text()).split("\n");
    const size = Number(lines[1]);
    const root = hex(Uint8Array.from(atob(lines[2]), (c) => c.charCodeAt(0)));
    if (!Number.isSafeInteger(size) || root.length !== 64) throw new Error("malformed checkpoint");
    return { origin: lines[0], size, root };
  }
  async function included(leaf, index, cp) {
    const proof = await getJson(`/api/v1/log/proof/inclusion?index=${index}&tree_size=${cp.size}`);
    const root = await rootFromPath(leaf, index, cp.size, proof.audit_path.map(unhex));
    if (root !== cp.root) throw new Error("leaf " + index + " is not in the checkpoint of size " + cp.size);
  }
  async function run() {
    const digest = el.dataset.digest;
    const cp = await checkpoint();
    const report = await getJson(`/api/v1/reports/${digest}`);
    const envelopeSha = await sha256hex(enc.encode(canonical(report.envelope)));
    if (envelopeSha !== digest) throw new Error("the envelope served does not hash to the report's digest");
    let ledgerSha = null;
    if (report.has_ledger) {
      const resp = await fetch(`/api/v1/reports/${digest}/ledger`);
      if (!resp.ok) throw new Error("ledger: HTTP " + resp.status);
      ledgerSha = await sha256hex(new Uint8Array(await resp.arrayBuffer()));
    }
    const entry = { v: 1, kind: "report", digest_sha256: digest, envelope_sha256: envelopeSha,
      ledger_sha256: ledgerSha, organisation: report.organisation, signer_keyid: report.signer_keyid,
      title: report.title, total_flop: report.total_flop };
    const leaf = await sha(0, enc.encode(canonical(entry, new Set(["total_flop"]))));
    await included(leaf, Number(el.dataset.reportLeaf), cp);
    const vIndex = Number(el.dataset.verdictLeaf);
    const page = await getJson(`/api/v1/log/leaves?start=${vIndex}&end=${vIndex + 1}`);
    if (page.leaves.length !== 1) throw new Error("verdict leaf " + vIndex + " is missing");
    const vText = page.leaves[0].entry;
    await included(await sha(0, enc.encode(vText)), vIndex, cp);
    const verdict = JSON.parse(vText);
    if (verdict.report !== digest) throw new Error("the logged verdict is about another report");
    if (verdict.outcome !== report.outcome || verdict.outcome !== el.dataset.outcome
        || verdict.partial !== report.partial || verdict.verifier !== report.verifier) {
      throw new Error("the logged verdict says " + verdict.outcome + ", the page says " + el.dataset.outcome);
    }
    mark.textContent = `report recomputed and inclusion verified in your browser (checkpoint of ${cp.size} leaves, ` +
      `root ${cp.root.slice(0, 16)}…)`;
    mark.className = "badge ok";
    mark.dataset.verified = "true";
  }
  run().catch((err) => {
    mark.textContent = "inclusion NOT verified: " + err.message;
    mark.className = "badge fail";
    mark.dataset.verified = "false";
  });
})();
