#!/usr/bin/env python3
"""A second, independent verifier of Tessera audit exports, written from docs/audit-ledger.md alone.

Python 3 standard library plus `cryptography` (Debian: apt-get install python3-cryptography).

  verify-audit.py export FILE [--manifest FILE.manifest.json] [--keys KEYS.json]
      prints {"verdict", "problems"}; exit 0 verified, 1 failed, 3 unverified (no --keys given)
  verify-audit.py vectors docs/audit-ledger-vectors.json
      recomputes every vector; exit 0 when all match
"""
import argparse
import base64
import datetime
import decimal
import hashlib
import json
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

GENESIS = "0" * 64
COLUMNS = ["seq", "id", "chain_id", "chain_seq", "recorded_at", "occurred_at", "request_id", "partner_id",
           "environment", "actor_type", "actor_id", "action", "method", "path", "status", "error_code",
           "client_ip", "user_agent", "latency_ms", "detail", "prev_hash", "hash"]
HASHED = COLUMNS[1:20]  # id .. detail (spec §2)
MANIFEST_VERSION = "tessera-audit-export-v2"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# ---- §2 canonical JSON ---------------------------------------------------------------------------------

def es_number(x):
    """ECMAScript Number::toString."""
    if isinstance(x, int) and abs(x) < 10**21:
        return str(x)
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    sign, digits, exponent = decimal.Decimal(repr(x)).as_tuple()
    d = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len("".join(map(str, digits))) - len(d)
    k = len(d)
    n = exponent + k
    if k <= n <= 21:
        return d + "0" * (n - k)
    if 0 < n <= 21:
        return d[:n] + "." + d[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + d
    e = n - 1
    mantissa = d if k == 1 else d[0] + "." + d[1:]
    return mantissa + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def js_string(s):
    out = json.dumps(s, ensure_ascii=False)
    return re.sub(r"[\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group(0)), out)


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(js_string(k) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("not a JSON value")


def event_hash(event):
    form = canonical([event[c] for c in HASHED])
    return hashlib.sha256((event["prev_hash"] + "\n" + form).encode("utf-8")).hexdigest()


# ---- §3 Merkle trees (RFC 9162 §2.1) ---------------------------------------------------------------------

def leaf_hash(event_hash_hex):
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(leaf, index, size, path, root):
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# ---- §4, §5 keys and signatures --------------------------------------------------------------------------

def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def trusted_key(keys, key_id, at):
    """The trusted Ed25519 key with this id, valid at `at`, or a problem code."""
    for key in keys:
        if key.get("key_id") != key_id:
            continue
        spki = base64.b64decode(key["public_key"])
        if "ed25519-" + hashlib.sha256(spki).hexdigest()[:16] != key_id:
            return None, "key_untrusted"
        try:
            t = parse_time(at)
            if key.get("valid_from") and t < parse_time(key["valid_from"]):
                return None, "key_not_valid_then"
            if key.get("valid_until") and t >= parse_time(key["valid_until"]):
                return None, "key_not_valid_then"
        except (ValueError, TypeError):
            return None, "key_not_valid_then"
        public = load_der_public_key(spki)
        if not isinstance(public, Ed25519PublicKey):
            return None, "key_untrusted"
        return public, None
    return None, "key_untrusted"


def ed25519_ok(public, message, signature_b64):
    try:
        public.verify(base64.b64decode(signature_b64, validate=True), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def tree_head_message(head):
    lines = ["tessera-audit-tree-head-v1", head["chain_id"], head["tree_size"], head["root_hash"],
             head["timestamp"], head["key_id"]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def check_tree_head(head, keys):
    try:
        if not re.match(r"^[1-9]\d*$", head["tree_size"]) or not HEX64.match(head["root_hash"]):
            return "tree_head_signature_invalid"
        public, problem = trusted_key(keys, head["key_id"], head["timestamp"])
        if problem:
            return "key_untrusted" if problem == "key_untrusted" else "tree_head_signature_invalid"
        return None if ed25519_ok(public, tree_head_message(head), head["signature"]) else "tree_head_signature_invalid"
    except (KeyError, TypeError, ValueError):
        return "tree_head_signature_invalid"


def manifest_message(manifest):
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return (MANIFEST_VERSION + "\n" + canonical(body)).encode("utf-8")


# ---- §6 export formats -----------------------------------------------------------------------------------

def parse_jsonl(text):
    events = []
    for line in text.split("\n"):
        if line == "":
            continue
        value = json.loads(line)
        if not isinstance(value, dict) or list(value) != COLUMNS:
            raise ValueError("a line is not an event")
        events.append(value)
    return events


def csv_records(text):
    rows, row, i = [], [], 0
    while i < len(text):
        if text[i] == '"':
            value, i = "", i + 1
            while True:
                q = text.index('"', i)
                value += text[i:q]
                if text[q + 1:q + 2] == '"':
                    value, i = value + '"', q + 2
                else:
                    i = q + 1
                    break
            row.append((value, True))
        else:
            m = re.compile(r"[,\r\n]").search(text, i)
            stop = m.start() if m else len(text)
            row.append((text[i:stop], False))
            i = stop
        if text[i:i + 1] == ",":
            i += 1
            if i == len(text):
                row.append(("", False))
        elif text[i:i + 2] == "\r\n" or i >= len(text):
            rows.append(row)
            row, i = [], i + 2
        else:
            raise ValueError("a field is followed by neither a comma nor CRLF")
    if row:
        rows.append(row)
    return rows


def parse_csv(text):
    rows = csv_records(text)
    if not rows or [f for f, _ in rows[0]] != COLUMNS:
        raise ValueError("the header row is not the export header")
    events = []
    for row in rows[1:]:
        if len(row) != len(COLUMNS):
            raise ValueError("wrong number of fields")
        event = {}
        for column, (field, quoted) in zip(COLUMNS, row):
            if field == "" and not quoted:
                event[column] = None
                continue
            if field.startswith("'"):  # §6.2 step 3, reversed
                field = field[1:]
            if column in ("status", "latency_ms"):
                number = float(field)
                event[column] = int(number) if column == "status" else (int(field) if re.match(r"^-?\d+$", field) else number)
            elif column == "detail":
                event[column] = json.loads(field)
            else:
                event[column] = field
        events.append(event)
    return events


# ---- §7.1 verification -----------------------------------------------------------------------------------

def verify_export(data, manifest, keys):
    problems = []

    def problem(code, chain=None, message=""):
        problems.append({"problem": code, "chain_id": chain, "message": message})

    if manifest.get("version") != MANIFEST_VERSION or not isinstance(manifest.get("signature"), str):
        problem("manifest_unsigned")
    else:
        public, bad = trusted_key(keys, manifest.get("key_id"), manifest.get("signed_at", ""))
        if bad:
            problem("key_untrusted" if bad == "key_untrusted" else "manifest_signature_invalid")
        elif not ed25519_ok(public, manifest_message(manifest), manifest["signature"]):
            problem("manifest_signature_invalid")
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        problem("sha256_mismatch")
    try:
        text = data.decode("utf-8")
        events = parse_csv(text) if manifest.get("format") == "csv" else parse_jsonl(text)
    except (ValueError, UnicodeDecodeError) as error:
        problem("parse_error", None, str(error))
        return problems
    scope = (manifest.get("scope") or {}).get("chain_ids") or []
    proofs = manifest.get("proofs") or {}
    start, end = manifest.get("from", ""), manifest.get("to", "")
    if manifest.get("event_count") != len(events):
        problem("manifest_mismatch", None, "event_count")
    by_chain = {}
    for event in events:
        if event_hash(event) != event["hash"]:
            problem("hash_mismatch", event["chain_id"], event["chain_seq"])
        if event["chain_id"] not in scope:
            problem("manifest_mismatch", event["chain_id"], "chain outside the scope")
        if not (start <= event["recorded_at"] < end):
            problem("event_outside_period", event["chain_id"], event["chain_seq"])
        by_chain.setdefault(event["chain_id"], []).append(event)
    for chain in scope:
        proof = proofs.get(chain)
        if not isinstance(proof, dict):
            problem("tree_head_missing", chain)
            continue
        check_chain(chain, by_chain.get(chain, []), proof, start, end, keys, problem)
    return problems


def check_chain(chain, events, proof, start, end, keys, problem):
    if proof.get("events") != len(events):
        problem("manifest_mismatch", chain, "events")
    before, after = proof.get("before"), proof.get("after")
    for boundary in (before, after):
        if boundary is not None and event_hash(boundary) != boundary.get("hash"):
            problem("hash_mismatch", chain, "boundary")
    if before is not None and not before["recorded_at"] < start:
        problem("boundary_invalid", chain, "before")
    if after is not None and not after["recorded_at"] >= end:
        problem("boundary_invalid", chain, "after")
    sequence = ([before] if before else []) + events + ([after] if after else [])
    if before is None and sequence and (sequence[0]["chain_seq"] != "1" or sequence[0]["prev_hash"] != GENESIS):
        problem("range_disconnected", chain, "start")
    for previous, current in zip(sequence, sequence[1:]):
        if int(current["chain_seq"]) != int(previous["chain_seq"]) + 1 or current["prev_hash"] != previous["hash"]:
            problem("range_disconnected", chain, current["chain_seq"])
    head = proof.get("tree_head")
    if not sequence:
        if head:
            problem("range_disconnected", chain, "a signed tree but no events")
        return
    if not head:
        problem("tree_head_missing", chain)
        return
    bad = check_tree_head(head, keys)
    if bad:
        problem(bad, chain)
        return
    if head["chain_id"] != chain:
        problem("tree_head_mismatch", chain)
    anchor = sequence[-1]
    path = proof.get("anchor_proof") or []
    ok = all(isinstance(p, str) and HEX64.match(p) for p in path) and HEX64.match(anchor["hash"] or "")
    if not ok or not verify_inclusion(leaf_hash(anchor["hash"]), int(anchor["chain_seq"]) - 1, int(head["tree_size"]),
                                      [bytes.fromhex(p) for p in path], bytes.fromhex(head["root_hash"])):
        problem("inclusion_proof_invalid", chain, anchor["chain_seq"])
    if after is None:
        problem("period_not_sealed", chain)


# ---- vectors ---------------------------------------------------------------------------------------------

def check_vectors(vectors):
    failures = []
    leaves = []
    for v in vectors["events"]:
        event = v["event"]
        if canonical([event[c] for c in HASHED]) != v["canonical_form"]:
            failures.append("canonical form of " + event["id"])
        if event_hash(event) != v["hash"]:
            failures.append("hash of " + event["id"])
        leaves.append(leaf_hash(v["hash"]))
        if leaves[-1].hex() != v["leaf_hash"]:
            failures.append("leaf of " + event["id"])
    if mth([]).hex() != vectors["empty_tree_root"]:
        failures.append("empty root")
    roots = {}
    for r in vectors["roots"]:
        roots[r["tree_size"]] = bytes.fromhex(r["root_hash"])
        if mth(leaves[:r["tree_size"]]) != roots[r["tree_size"]]:
            failures.append("root of %d" % r["tree_size"])
    for p in vectors["inclusion_proofs"]:
        if not verify_inclusion(leaves[p["chain_seq"] - 1], p["chain_seq"] - 1, p["tree_size"],
                                [bytes.fromhex(x) for x in p["audit_path"]], roots[p["tree_size"]]):
            failures.append("inclusion %d in %d" % (p["chain_seq"], p["tree_size"]))
    for p in vectors["consistency_proofs"]:
        if not verify_consistency(p["first"], p["second"], roots[p["first"]], roots[p["second"]],
                                  [bytes.fromhex(x) for x in p["proof"]]):
            failures.append("consistency %d to %d" % (p["first"], p["second"]))
    keys = vectors["keys_document"]["keys"]
    for t in vectors["tree_heads"]:
        if tree_head_message(t["tree_head"]).decode("utf-8") != t["signed_message"]:
            failures.append("tree head message")
        if check_tree_head(t["tree_head"], keys):
            failures.append("tree head signature of size " + t["tree_head"]["tree_size"])
    x = vectors["export"]
    if manifest_message(x["jsonl_manifest"]).decode("utf-8") != x["jsonl_manifest_signed_message"]:
        failures.append("manifest message")
    for fmt in ("jsonl", "csv"):
        problems = verify_export(x[fmt].encode("utf-8"), x[fmt + "_manifest"], keys)
        if problems:
            failures.append("%s export: %s" % (fmt, ", ".join(p["problem"] for p in problems)))
    return failures


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export")
    exp.add_argument("file")
    exp.add_argument("--manifest")
    exp.add_argument("--keys")
    vec = sub.add_parser("vectors")
    vec.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "vectors":
        with open(args.file, encoding="utf-8") as f:
            failures = check_vectors(json.load(f))
        print(json.dumps({"ok": not failures, "failures": failures}))
        return 0 if not failures else 1
    with open(args.file, "rb") as f:
        data = f.read()
    with open(args.manifest or args.file + ".manifest.json", encoding="utf-8") as f:
        manifest = json.load(f)
    keys = []
    if args.keys:
        with open(args.keys, encoding="utf-8") as f:
            keys = json.load(f).get("keys", [])
    problems = verify_export(data, manifest, keys)
    verdict = "unverified" if not args.keys else ("failed" if problems else "verified")
    print(json.dumps({"verdict": verdict, "problems": problems}))
    return {"verified": 0, "failed": 1, "unverified": 3}[verdict]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
