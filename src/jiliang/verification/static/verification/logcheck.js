/* The public check's in-browser proof: is this certificate's entry in the transparency log?
 *
 * Reads the log's latest checkpoint (/log/checkpoint) and the entry's inclusion proof for that
 * tree size (/api/v1/log/inclusion), computes the leaf hash SHA-256(0x00 || entry) and the root
 * from the audit path (RFC 9162 section 2.1.3.2) with WebCrypto, and compares it with the
 * checkpoint's root. It also checks that the entry is about this certificate. The checkpoint's
 * signatures are checked offline from the downloadable receipt (jiliang log verify-receipt).
 * No library: WebCrypto is built into the browser.
 */
(function () {
  "use strict";

  function fromBase64(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function prefixed(prefix, parts) {
    var length = 1 + parts.reduce(function (sum, p) { return sum + p.length; }, 0);
    var data = new Uint8Array(length);
    data[0] = prefix;
    var offset = 1;
    parts.forEach(function (p) { data.set(p, offset); offset += p.length; });
    return data;
  }

  async function sha256(data) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  }

  function leafHash(entry) { return sha256(prefixed(0, [entry])); }

  function nodeHash(left, right) { return sha256(prefixed(1, [left, right])); }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /* RFC 9162 2.1.3.2: the root the audit path gives for the leaf at index in a tree of size, or
   * null when the path cannot belong to such a tree. Plain arithmetic, not bit operators: indexes
   * may exceed 2^32. */
  async function rootFromInclusion(index, size, leaf, proof) {
    if (index >= size) return null;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(proof[i], r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, proof[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  async function verifyInclusion(index, size, leaf, proof, root) {
    var hashes = [leaf, root].concat(proof);
    if (hashes.some(function (h) { return h.length !== 32; })) return false;
    var computed = await rootFromInclusion(index, size, leaf, proof);
    return computed !== null && sameBytes(computed, root);
  }

  /* The checkpoint note's body: origin, tree size, base64 root hash (C2SP tlog-checkpoint). */
  function parseCheckpoint(note) {
    var lines = note.split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error("checkpoint");
    return { origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]) };
  }

  async function fetchOk(url, as) {
    var response = await fetch(url, { credentials: "omit", cache: "no-store" });
    if (!response.ok) throw new Error(url + " " + response.status);
    return as === "json" ? response.json() : response.text();
  }

  async function check(element) {
    var index = Number(element.dataset.index);
    var checkpoint = parseCheckpoint(await fetchOk(element.dataset.checkpointUrl, "text"));
    var query = "?index=" + index + "&tree_size=" + checkpoint.size;
    var inclusion = await fetchOk(element.dataset.inclusionUrl + query, "json");
    var entry = fromBase64(inclusion.entry);
    var leaf = await leafHash(entry);
    var about = JSON.parse(new TextDecoder().decode(entry));
    var proven = about.kind === element.dataset.kind && about.id === element.dataset.recordId &&
      await verifyInclusion(index, checkpoint.size, leaf, inclusion.proof.map(fromBase64), checkpoint.root);
    return { ok: proven, size: checkpoint.size, root: toHex(checkpoint.root), leaf: toHex(leaf), time: about.time };
  }

  /* Hex in groups of eight, so that a phone's narrow column can wrap it. */
  function spaced(hex) { return hex.match(/.{1,8}/g).join(" "); }

  function show(element, result) {
    var words = element.dataset;
    var outcome = element.querySelector("[data-outcome]");
    element.dataset.state = result.ok ? "verified" : "failed";
    outcome.textContent = result.ok ? words.textOk : words.textFailed;
    if (result.size !== undefined) {
      element.querySelector("[data-tree-size]").textContent = String(result.size);
      element.querySelector("[data-root]").textContent = spaced(result.root);
      element.querySelector("[data-leaf]").textContent = spaced(result.leaf);
    }
  }

  function start() {
    document.querySelectorAll("[data-log-check]").forEach(function (element) {
      if (!window.crypto || !crypto.subtle) {
        element.dataset.state = "unsupported";
        element.querySelector("[data-outcome]").textContent = element.dataset.textUnsupported;
        return;
      }
      check(element).then(function (result) { show(element, result); }, function () {
        element.dataset.state = "error";
        element.querySelector("[data-outcome]").textContent = element.dataset.textError;
      });
    });
  }

  window.JiliangLogCheck = { leafHash: leafHash, nodeHash: nodeHash, rootFromInclusion: rootFromInclusion,
    verifyInclusion: verifyInclusion, parseCheckpoint: parseCheckpoint, fromBase64: fromBase64, toHex: toHex };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
