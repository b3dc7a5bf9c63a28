// Inclusion of a report's two log leaves, checked in the browser (RFC 6962 hashing, RFC 9162 section
// 2.1.3.2 verification) with WebCrypto SHA-256. The page gives the leaf indices; the API serves the
// signed tree head, the leaves' canonical entries and their audit paths.
(function () {
  "use strict";
  const el = document.getElementById("log-inclusion");
  const mark = document.getElementById("log-inclusion-mark");
  if (!el || !mark) return;
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
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
  async function checkLeaf(index, sth) {
    const page = await getJson(`/api/v1/log/leaves?start=${index}&end=${index + 1}`);
    if (page.leaves.length !== 1) throw new Error("leaf " + index + " is missing");
    const text = page.leaves[0].entry;
    const leaf = await sha(0, new TextEncoder().encode(text));
    const proof = await getJson(`/api/v1/log/proof/inclusion?index=${index}&tree_size=${sth.tree_size}`);
    const root = await rootFromPath(leaf, index, sth.tree_size, proof.audit_path.map(unhex));
    if (root !== sth.root_hash) throw new Error("leaf " + index + " is not in the tree of size " + sth.tree_size);
    return JSON.parse(text);
  }
  async function run() {
    const sth = await getJson("/api/v1/log/sth");
    const report = await checkLeaf(Number(el.dataset.reportLeaf), sth);
    const verdict = await checkLeaf(Number(el.dataset.verdictLeaf), sth);
    if (report.digest_sha256 !== el.dataset.digest || verdict.report !== el.dataset.digest) {
      throw new Error("the logged leaves are about another report");
    }
    if (verdict.outcome !== el.dataset.outcome) {
      throw new Error("the logged verdict says " + verdict.outcome + ", the page says " + el.dataset.outcome);
    }
    mark.textContent = `inclusion verified in your browser (tree of ${sth.tree_size} leaves, root ${sth.root_hash.slice(0, 16)}…)`;
    mark.className = "badge ok";
    mark.dataset.verified = "true";
  }
  run().catch((err) => {
    mark.textContent = "inclusion NOT verified: " + err.message;
    mark.className = "badge fail";
    mark.dataset.verified = "false";
  });
})();
