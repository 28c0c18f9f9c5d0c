#!/usr/bin/env python3
"""Runs the Swift and the independent Python verifier on a dataset and on
tampered copies of it, and fails unless they agree on every case: the same
verdict and the same findings (severity, rule, path).

    python3 verify/crosscheck.py ASSAY_VERIFY_BINARY [DATASET]
    python3 verify/crosscheck.py --mutate N [--seed S] ASSAY_VERIFY_BINARY [DATASET]

DATASET defaults to spec/vectors/dataset, whose signing keys are public test
vectors (spec/vectors/README.md), so the "insider" cases can re-sign.

--mutate N makes N seeded random attacks on DATASET (default datasets/sample):
bytes flipped, files and directories removed, renamed, duplicated, replaced by
links (to /dev/zero, to other files), FIFOs or directories, truncated or grown,
lines dropped, swapped or repeated, numbers changed to hostile values, and
documents changed and re-signed with the demo's published keys. Both
verifiers must agree on the verdict and on the findings (severity, rule, path)
of each.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import assay_verify  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
VECTOR_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"assay spec vector key 1").digest())
COSIGNER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"assay spec vector key 2").digest())


def policy_key(name):
    """The keys of spec/vectors/policy (test only)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"assay policy vector key " + name.encode()).digest())
OUTSIDER = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"crosscheck outsider").digest())


def ssh_string(data):
    return len(data).to_bytes(4, "big") + data


def sshsig(key, message, namespace="assay-manifest-v1"):
    public = key.public_key().public_bytes_raw()
    blob_key = ssh_string(b"ssh-ed25519") + ssh_string(public)
    signed = b"SSHSIG" + ssh_string(namespace.encode()) + ssh_string(b"") + ssh_string(b"sha512") \
        + ssh_string(hashlib.sha512(message).digest())
    signature = ssh_string(b"ssh-ed25519") + ssh_string(key.sign(signed))
    blob = b"SSHSIG" + (1).to_bytes(4, "big") + ssh_string(blob_key) + ssh_string(namespace.encode()) \
        + ssh_string(b"") + ssh_string(b"sha512") + ssh_string(signature)
    text = base64.b64encode(blob).decode()
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n").encode()


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def edit_lines(path, change):
    lines = read(path).split(b"\n")[:-1]
    write(path, b"".join(line + b"\n" for line in change(lines)))


def signed_checkpoint(origin, size, root_hash, key):
    """A checkpoint note (log.md §2) signed by `key` under the origin's key name."""
    text = ("%s\n%d\n%s\n" % (origin, size, base64.b64encode(root_hash).decode())).encode()
    key_id = assay_verify.note_key_id(origin, 1, key.public_key().public_bytes_raw())
    return text + ("\n\u2014 %s %s\n" % (origin, base64.b64encode(key_id.to_bytes(4, "big") + key.sign(text)).decode())).encode("utf-8")


def rebuild_log(root, key=None, signer="vector-signer", exclude=(), reverse=False):
    """Writes the dataset's log again from its documents (log.md §7), one checkpoint signed by `key` as `signer`:
    what insiders holding the keys would do after changing signed documents."""
    key = key or VECTOR_KEY
    shutil.rmtree(os.path.join(root, "log"), ignore_errors=True)
    documents = assay_verify.log_documents(root)
    genesis = "policy/0001/policy.json"
    rest = [d for d in documents if d != genesis and d not in exclude]
    documents = [genesis] + (rest[::-1] if reverse else rest)
    def content(path):  # a scores document in either stored form (log.md §7.1)
        if assay_verify.entry_kind(path) == "scores":
            return assay_verify.read_scores_document(root, path[:-len("/scores.json")])[1]
        return read(os.path.join(root, path))
    raw = [assay_verify.canonical({"kind": assay_verify.entry_kind(path), "path": path,
                                   "sha256": hashlib.sha256(content(path)).hexdigest()}) for path in documents]
    dataset_id = json.loads(read(os.path.join(root, "dataset.json")))["id"]
    origin = "assay/" + dataset_id
    files = assay_verify.expected_log_files(raw, [len(raw)], origin)
    for path, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        write(os.path.join(root, path), data)
    text = files["log/checkpoints/%d/checkpoint" % len(raw)]
    key_id = assay_verify.note_key_id(origin, 1, key.public_key().public_bytes_raw())
    line = ("\u2014 %s %s\n" % (origin, base64.b64encode(key_id.to_bytes(4, "big") + key.sign(text)).decode())).encode("utf-8")
    signatures = os.path.join(root, "log/checkpoints/%d/signatures" % len(raw))
    os.makedirs(signatures, exist_ok=True)
    write(os.path.join(signatures, signer + ".sig"), line)
    write(os.path.join(root, "log/checkpoint"), text + b"\n" + line)


def resign(bundle, change):
    """Changes the manifest as an insider would, and re-signs it with the vector key."""
    manifest = change(read(os.path.join(bundle, "manifest.json")).decode()).encode()
    write(os.path.join(bundle, "manifest.json"), manifest)
    for name in os.listdir(os.path.join(bundle, "signatures")):
        os.remove(os.path.join(bundle, "signatures", name))
    write(os.path.join(bundle, "signatures", "vector-signer.sig"), sshsig(VECTOR_KEY, manifest))


def manifest_field(bundle, name):
    return json.loads(read(os.path.join(bundle, "manifest.json")))[name]


def cases():
    """(name, mutate(dataset_root) -> extra verifier arguments)."""
    a9, a10, a11 = "bundles/collector-a/2026/01/09", "bundles/collector-a/2026/01/10", "bundles/collector-a/2026/01/11"
    j = os.path.join

    def flip(root):
        data = bytearray(read(j(root, a9, "records.jsonl")))
        data[100] ^= 1
        write(j(root, a9, "records.jsonl"), bytes(data))

    def policy_expired(root):
        key = read(j(root, "policy/0001/allowed_signers")).decode().split("\n")[0].split(" ", 2)[2]
        write(j(root, "..", "policy"), ('vector-signer namespaces="assay-manifest-v1",valid-before="20260110Z" %s\n' % key).encode())
        return ["--policy", j(root, "..", "policy"), "--threshold", "1"]

    def state(root):
        report = json.loads(subprocess.run([SWIFT, root, "--json", "--state", j(root, "..", "state.json")],
                                           capture_output=True, check=True).stdout)
        assert report["ok"]
        shutil.rmtree(j(root, a11))
        return ["--state", j(root, "..", "state.json")]

    def more_llm(text):
        manifest = json.loads(text)
        manifest["records"]["by_kind"]["llm_request"] += 1
        manifest["records"]["total"] += 1
        return assay_verify.canonical(manifest).decode() + "\n"

    def conflict_count(text):
        return text.replace('"conflicts":{"keys":1,"versions":2}', '"conflicts":{"keys":1,"versions":3}')

    def publish_scores(root, grant=True, sign=True, change=None, heads=None):
        """Publishes the scores of 2026-01-11 as a collector would (scoring.md §10): computed by assay-verify score over
        every bundle, with the heads of every collector and no exclusions; signed by the vector signer (allowed to sign
        scores) or, with grant=False, by the co-signer (who is not)."""
        scores = json.loads(subprocess.run([SWIFT, "score", "--dataset", root, "--day", "2026-01-11"], capture_output=True, check=True).stdout)
        newest = {}
        for collector in sorted(os.listdir(j(root, "bundles"))):
            days = sorted(os.path.join(y, m, d) for y in os.listdir(j(root, "bundles", collector))
                          for m in os.listdir(j(root, "bundles", collector, y)) for d in os.listdir(j(root, "bundles", collector, y, m)))
            manifest = read(j(root, "bundles", collector, days[-1], "manifest.json"))
            newest[collector] = {"collector": collector, "day": days[-1].replace("/", "-"), "manifest_sha256": hashlib.sha256(manifest).hexdigest()}
        scores["inputs"]["heads"] = [newest[c] for c in sorted(newest) if heads is None or c in heads]
        scores["inputs"]["excluded"] = []
        data = assay_verify.canonical(scores) + b"\n"
        if change:
            data = change(data)
        directory = j(root, "scores/collector-a/2026/01/11")
        os.makedirs(j(directory, "signatures"))
        write(j(directory, "scores.json"), data)
        if sign:
            write(j(directory, "signatures", "vector-signer.sig"), sshsig(VECTOR_KEY if grant else COSIGNER_KEY, data, "assay-scores-v1"))
        rebuild_log(root)  # a publisher appends the scores to the log

    def reissue_genesis(root, threshold=1, key=None):
        """Insiders write the genesis again (the vector keys are public) and approve it: another root of trust."""
        key = key or VECTOR_KEY
        document = json.loads(read(j(root, "policy/0001/policy.json")))
        document["threshold"] = threshold
        document["summary"] = "re-issued"
        if key is not VECTOR_KEY:
            line = 'vector-signer namespaces="assay-manifest-v1,assay-scores-v1,assay-policy-v1,git" ssh-ed25519 %s\n' % \
                base64.b64encode(ssh_string(b"ssh-ed25519") + ssh_string(key.public_key().public_bytes_raw())).decode()
            write(j(root, "policy/0001/allowed_signers"), line.encode())
            document["allowed_signers"] = {"sha256": hashlib.sha256(line.encode()).hexdigest(), "size": len(line)}
        data = assay_verify.canonical(document) + b"\n"
        write(j(root, "policy/0001/policy.json"), data)
        for name in os.listdir(j(root, "policy/0001/signatures")):
            os.remove(j(root, "policy/0001/signatures", name))
        write(j(root, "policy/0001/signatures/vector-signer.sig"), sshsig(key, data, "assay-policy-v1"))
        rebuild_log(root, key)  # the insiders' log of their documents

    def genesis_hash(root):
        return hashlib.sha256(read(j(root, "policy/0001/policy.json"))).hexdigest()

    def pinned_then(change):
        """The genesis hash as the auditor pinned it, then the attack."""
        def mutate(root):
            pin = genesis_hash(root)
            change(root)
            return ["--trust", pin]
        return mutate

    def state_then(change):
        """A --state run on the clean dataset, then the attack."""
        def mutate(root):
            report = json.loads(subprocess.run([SWIFT, root, "--json", "--state", j(root, "..", "state.json")],
                                               capture_output=True, check=True).stdout)
            assert report["ok"]
            change(root)
            return ["--state", j(root, "..", "state.json")]
        return mutate

    def replace_root(root):
        """The attacker's key as the only signer, in a new genesis; every manifest re-signed."""
        reissue_genesis(root, threshold=1, key=OUTSIDER)
        for directory, _, files in os.walk(j(root, "bundles")):
            if "manifest.json" in files:
                for name in os.listdir(j(directory, "signatures")):
                    os.remove(j(directory, "signatures", name))
                write(j(directory, "signatures", "vector-signer.sig"), sshsig(OUTSIDER, read(j(directory, "manifest.json"))))
        rebuild_log(root, OUTSIDER)

    def flip_simulated(root):
        write(j(root, "dataset.json"), read(j(root, "dataset.json")).replace(b'"simulated": true', b'"simulated": false'))

    def log_tile(root):
        path = j(root, "log/tile/0/000.p/5")
        data = bytearray(read(path))
        data[0] ^= 1
        write(path, bytes(data))

    def log_without(path):
        def mutate(root):
            os.remove(j(root, path))
        return mutate

    def forged_checkpoint_signature(root):
        size = max(int(n) for n in os.listdir(j(root, "log/checkpoints")))
        line = read(j(root, "log/checkpoints/%d/signatures/vector-signer.sig" % size)).decode()
        name, signature = line[2:].rstrip("\n").rsplit(" ", 1)
        data = bytearray(base64.b64decode(signature))
        data[10] ^= 1
        write(j(root, "log/checkpoints/%d/signatures/vector-signer.sig" % size), ("\u2014 %s %s\n" % (name, base64.b64encode(bytes(data)).decode())).encode())

    def outsider_checkpoint(root):
        rebuild_log(root, OUTSIDER)

    def leaves(root):
        size = max(int(n) for n in os.listdir(j(root, "log/checkpoints")))
        return [assay_verify.leaf_hash(raw) for raw, _ in assay_verify.read_log_entries(root, size)]

    def external(make):
        """A checkpoint from elsewhere, written beside the dataset and given with --checkpoint."""
        def mutate(root):
            write(j(root, "..", "checkpoint"), make(root))
            return ["--checkpoint", j(root, "..", "checkpoint")]
        return mutate

    origin = "assay/assay-vectors"

    return [
        ("untouched", lambda root: []),
        ("log: a hash tile changed", log_tile),
        ("log: an entry bundle removed", log_without("log/tile/entries/000.p/5")),
        ("log: the newest checkpoint's signature forged", forged_checkpoint_signature),
        ("log: a signature of the newest checkpoint removed", log_without("log/checkpoints/5/signatures/vector-signer.sig")),
        ("log: rewritten and signed by an outsider", outsider_checkpoint),
        ("log: a manifest without its entry", lambda root: rebuild_log(root, exclude=(a11 + "/manifest.json",))),
        ("log: log/checkpoint stale", lambda root: write(j(root, "log/checkpoint"), read(j(root, "log/checkpoints/4/checkpoint")) + b"\n")),
        ("log: missing", lambda root: shutil.rmtree(j(root, "log"))),
        ("--checkpoint: an older checkpoint of this log (consistent)", external(
            lambda root: signed_checkpoint(origin, 3, assay_verify.merkle_root(leaves(root)[:3]), VECTOR_KEY))),
        ("--checkpoint: split view (same size, another root)", external(
            lambda root: signed_checkpoint(origin, 5, assay_verify.merkle_root(leaves(root)[::-1]), VECTOR_KEY))),
        ("--checkpoint: split view (a smaller tree that is no prefix)", external(
            lambda root: signed_checkpoint(origin, 2, assay_verify.merkle_root(leaves(root)[1:3]), VECTOR_KEY))),
        ("--checkpoint: the dataset lacks entries (log-behind)", external(
            lambda root: signed_checkpoint(origin, 6, assay_verify.merkle_root(leaves(root) + [b"\0" * 32]), VECTOR_KEY))),
        ("--checkpoint: signed by an outsider", external(
            lambda root: signed_checkpoint(origin, 5, assay_verify.merkle_root(leaves(root)[::-1]), OUTSIDER))),
        ("--checkpoint: another log's", external(
            lambda root: signed_checkpoint("assay/other", 5, assay_verify.merkle_root(leaves(root)), VECTOR_KEY))),
        ("--state, then the log rewritten in another order (split view)", state_then(lambda root: rebuild_log(root, reverse=True))),
        ("published scores", lambda root: publish_scores(root)),
        ("published scores changed", lambda root: publish_scores(root, change=lambda s: s.replace(b'"excused":', b'"excused":7', 1))),
        ("published scores naming another input manifest",
         lambda root: publish_scores(root, change=lambda s: s.replace(b'"manifest_sha256":"', b'"manifest_sha256":"0', 1))),
        ("published scores unsigned", lambda root: publish_scores(root, sign=False)),
        ("published scores by a signer not allowed to", lambda root: publish_scores(root, grant=False)),
        ("stray file among published scores", lambda root: (publish_scores(root), write(j(root, "scores/collector-a/2026/01/11/notes.txt"), b"x"))),
        ("flipped byte in records", flip),
        ("record removed", lambda root: edit_lines(j(root, a9, "records.jsonl"), lambda l: l[:2] + l[3:])),
        ("record added", lambda root: edit_lines(j(root, a9, "records.jsonl"),
                                                 lambda l: l + [read(j(root, a11, "records.jsonl")).split(b"\n")[0]])),
        ("records reordered", lambda root: edit_lines(j(root, a9, "records.jsonl"), lambda l: [l[1], l[0]] + l[2:])),
        ("record duplicated", lambda root: edit_lines(j(root, a9, "records.jsonl"), lambda l: l[:4] + [l[3]] + l[4:])),
        ("invalid record line", lambda root: edit_lines(j(root, a11, "records.jsonl"), lambda l: [b'{"schema":1,'] + l[1:])),
        ("non-canonical record line", lambda root: edit_lines(j(root, a11, "records.jsonl"), lambda l: [b" " + l[0]] + l[1:])),
        ("missing final newline", lambda root: write(j(root, a11, "records.jsonl"), read(j(root, a11, "records.jsonl"))[:-1])),
        ("conflict version removed", lambda root: edit_lines(j(root, a9, "conflicts.jsonl"), lambda l: l[:1])),
        ("manifest hash changed, re-signed",
         lambda root: resign(j(root, a9), lambda t: t.replace(manifest_field(j(root, a9), "files")[1]["sha256"], "0" * 64))),
        ("manifest count changed, re-signed",
         lambda root: resign(j(root, a11), more_llm)),
        ("manifest root changed, re-signed",
         lambda root: resign(j(root, a9), lambda t: t.replace(manifest_field(j(root, a9), "merkle")["root"], "1" * 64))),
        ("manifest prev changed, re-signed",
         lambda root: resign(j(root, a10), lambda t: t.replace(manifest_field(j(root, a10), "prev")["sha256"], "2" * 64))),
        ("manifest day changed, re-signed", lambda root: resign(j(root, a10), lambda t: t.replace('"day":"2026-01-10"', '"day":"2026-01-12"'))),
        ("manifest conflicts changed, re-signed", lambda root: resign(j(root, a9), conflict_count)),
        ("manifest changed, not re-signed", lambda root: write(j(root, a10, "manifest.json"),
                                                               read(j(root, a10, "manifest.json")).replace(b"assay 0.1.0", b"assay 0.1.1"))),
        ("manifest not canonical", lambda root: write(j(root, a10, "manifest.json"), b" " + read(j(root, a10, "manifest.json")))),
        ("signature removed", lambda root: os.remove(j(root, a10, "signatures", "vector-signer.sig"))),
        ("signature corrupted", lambda root: write(j(root, a10, "signatures", "vector-signer.sig"),
                                                   read(j(root, a10, "signatures", "vector-signer.sig")).replace(b"A", b"B", 1))),
        ("signature by an unknown key", lambda root: write(j(root, a10, "signatures", "vector-signer.sig"),
                                                           sshsig(OUTSIDER, read(j(root, a10, "manifest.json"))))),
        ("signature for another namespace", lambda root: write(j(root, a10, "signatures", "vector-signer.sig"),
                                                               sshsig(VECTOR_KEY, read(j(root, a10, "manifest.json")), "git"))),
        ("one key signing twice", lambda root: shutil.copy(j(root, a10, "signatures", "vector-signer.sig"),
                                                           j(root, a10, "signatures", "vector-cosigner.sig"))),
        ("key outside its validity window (pinned policy)", policy_expired),
        ("threshold above the signers", lambda root: ["--threshold", "2"]),
        ("bundle deleted from the middle", lambda root: shutil.rmtree(j(root, a10))),
        ("first bundle deleted", lambda root: shutil.rmtree(j(root, a9))),
        ("fork: second successor of one bundle", lambda root: (shutil.copytree(j(root, a10), j(root, "bundles/collector-a/2026/01/12")),
                                                              resign(j(root, "bundles/collector-a/2026/01/12"),
                                                                     lambda t: t.replace('"day":"2026-01-10"', '"day":"2026-01-12"')))),
        ("day replayed from an older bundle", lambda root: shutil.copytree(j(root, a9), j(root, "bundles/collector-a/2026/01/12"))),
        ("file no manifest names", lambda root: write(j(root, a9, "extra.txt"), b"x")),
        ("file beside the dataset", lambda root: write(j(root, "scores.json"), b"{}")),
        ("stray file in signatures", lambda root: write(j(root, a9, "signatures", "notes.txt"), b"x")),
        ("crashed seal's temporary", lambda root: os.makedirs(j(root, "bundles/collector-a/2026/01/.12.tmp-9"))),
        ("not a date", lambda root: os.makedirs(j(root, "bundles/collector-a/2026/02/30"))),
        ("descriptor broken", lambda root: write(j(root, "dataset.json"), b'{"format":"assay-dataset-v1"}')),
        ("allowed_signers broken", lambda root: write(j(root, "policy/0001/allowed_signers"), b"x cert-authority ssh-ed25519 AAAA\n")),
        ("genesis re-issued with threshold 1 (pinned by --trust)", pinned_then(reissue_genesis)),
        ("genesis re-issued with threshold 1 (pinned by --state)", state_then(reissue_genesis)),
        ("genesis re-issued, not pinned (trusted on first use)", lambda root: reissue_genesis(root)),
        ("root replaced, manifests re-signed (pinned by --trust)", pinned_then(replace_root)),
        ("root replaced, manifests re-signed (pinned by --state)", state_then(replace_root)),
        ("simulated flag flipped", flip_simulated),
        ("threshold added to dataset.json", lambda root: write(j(root, "dataset.json"), read(j(root, "dataset.json")).replace(
            b'"simulated": true', b'"simulated": true,\n  "threshold": 1'))),
        ("published scores cherry-picking (an input left out)", lambda root: publish_scores(root, change=lambda s: s.replace(
            s[s.index(b'{"collector":"collector-a","day":"2026-01-10"'):s.index(b'{"collector":"collector-a","day":"2026-01-11"')], b"", 1))),
        ("published scores without a collector's head", lambda root: publish_scores(root, heads=["collector-a"])),
        ("frozen dataset (--max-age)", lambda root: ["--max-age", "3", "--today", "2026-01-20"]),
        ("fresh enough (--max-age)", lambda root: ["--max-age", "3", "--today", "2026-01-12"]),
        ("rollback after a --state run", state),
    ]


def policy_cases():
    """Cases on spec/vectors/policy/dataset (policy.md): (name, mutate, verifies)."""
    j = os.path.join
    d3, d4 = "bundles/gw-a/2026/03/03", "bundles/gw-a/2026/03/04"

    def drop_revocation(root):
        """Insiders (gw-a, gw-b's new key) propose a version 5 that lifts gw-c's revocation: refused."""
        shutil.copytree(j(root, "policy/0004"), j(root, "policy/0005"))
        shutil.rmtree(j(root, "policy/0004"))
        os.rename(j(root, "policy/0005"), j(root, "policy/0004"))
        version3 = read(j(root, "policy/0003/policy.json"))
        signers = read(j(root, "policy/0003/allowed_signers")).replace(b',valid-before="20260303235959Z"', b"")
        write(j(root, "policy/0004/allowed_signers"), signers)
        document = json.loads(read(j(root, "policy/0004/policy.json")))
        document["revocations"] = []
        document["allowed_signers"] = {"sha256": hashlib.sha256(signers).hexdigest(), "size": len(signers)}
        document["prev"]["sha256"] = hashlib.sha256(version3).hexdigest()
        data = assay_verify.canonical(document) + b"\n"
        write(j(root, "policy/0004/policy.json"), data)
        for name in os.listdir(j(root, "policy/0004/signatures")):
            os.remove(j(root, "policy/0004/signatures", name))
        write(j(root, "policy/0004/signatures/gw-a.sig"), sshsig(policy_key("gw-a"), data, "assay-policy-v1"))
        write(j(root, "policy/0004/signatures/gw-b.sig"), sshsig(policy_key("gw-b-2026"), data, "assay-policy-v1"))

    def rolled_back(root):
        """A state from a clean run, then the versions that revoked gw-c's key removed (the revocation with them)."""
        report = json.loads(subprocess.run([SWIFT, root, "--json", "--state", j(root, "..", "state.json")],
                                           capture_output=True, check=True).stdout)
        assert report["ok"]
        shutil.rmtree(j(root, "policy/0003"))
        shutil.rmtree(j(root, "policy/0004"))
        return ["--state", j(root, "..", "state.json")]

    return [
        ("policy: untouched", lambda root: [], True),
        ("policy: pinned version 2", lambda root: ["--policy", j(root, "policy/0002")], True),
        ("policy: an approval of the rotation removed", lambda root: os.remove(j(root, "policy/0002/signatures/gw-b.sig")), False),
        ("policy: an approval forged by an outsider",
         lambda root: write(j(root, "policy/0004/signatures/gw-c.sig"),
                            sshsig(policy_key("mallory"), read(j(root, "policy/0004/policy.json")), "assay-policy-v1")), False),
        ("policy: a version changed after approval",
         lambda root: write(j(root, "policy/0003/policy.json"), read(j(root, "policy/0003/policy.json")).replace(b"revoke ", b"Revoke ")), False),
        ("policy: a version's allowed_signers changed",
         lambda root: write(j(root, "policy/0003/allowed_signers"), read(j(root, "policy/0003/allowed_signers")) + b"# more\n"), False),
        ("policy: the genesis's allowed_signers changed",
         lambda root: write(j(root, "policy/0001/allowed_signers"), read(j(root, "policy/0001/allowed_signers")) + b"# rewritten\n"), False),
        ("policy: versions 3 and 4 removed after a --state run", rolled_back, False),
        ("policy: the genesis not approved by enough of its signers",
         lambda root: (os.remove(j(root, "policy/0001/signatures/gw-b.sig")), os.remove(j(root, "policy/0001/signatures/gw-c.sig"))), False),
        ("policy: a revocation lifted by insiders", drop_revocation, False),
        ("policy: a gap in the versions", lambda root: shutil.copytree(j(root, "policy/0004"), j(root, "policy/0006")), False),
        ("policy: a stray file in a version", lambda root: write(j(root, "policy/0002/notes.txt"), b"x"), False),
        ("policy: a co-signature missing after the revocation", lambda root: os.remove(j(root, d4, "signatures/gw-b.sig")), False),
        ("policy: the rotated-out key signing after the rotation",
         lambda root: write(j(root, d3, "signatures/gw-b.sig"), sshsig(policy_key("gw-b"), read(j(root, d3, "manifest.json")))), False),
    ]


def lfs_pointer(data):
    """The Git LFS pointer that stands for `data` where a clone did not fetch it (git-lfs docs/spec.md)."""
    return b"version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (hashlib.sha256(data).hexdigest().encode(), len(data))


def storage_cases():
    """Cases on spec/vectors/sharded (dataset.md §4.6, §4.7, §8.5): shards and their stored forms. (name, mutate, verifies)."""
    import zstandard
    j = os.path.join
    a9 = "bundles/collector-a/2026/01/09"
    shard = j(a9, "records-00001.jsonl.zst")

    def content(root, name=shard):
        return zstandard.ZstdDecompressor().stream_reader(read(j(root, name)), read_across_frames=True).read()

    def recompress(root):
        """Another compressor (python-zstandard's libzstd), another level, two frames: the same content."""
        data = content(root)
        half = len(data) // 2
        write(j(root, shard), zstandard.ZstdCompressor(level=19).compress(data[:half]) + zstandard.ZstdCompressor(level=1).compress(data[half:]))

    def plain(root):
        write(j(root, shard[:-4]), content(root))
        os.remove(j(root, shard))

    def flip_compressed(root):
        data = bytearray(read(j(root, shard)))
        data[len(data) // 2] ^= 1
        write(j(root, shard), bytes(data))

    def flip_content(root):
        data = bytearray(content(root))
        data[100] ^= 1
        write(j(root, shard), zstandard.ZstdCompressor(level=3).compress(bytes(data)))

    def bomb(root):
        """A valid stream that decompresses far past the size the manifest names."""
        write(j(root, shard), zstandard.ZstdCompressor(level=3).compress(content(root) + b"\n" * (64 << 20)))

    def pointer(root):
        write(j(root, shard), lfs_pointer(read(j(root, shard))))

    def pointer_outside(root):
        pointer(root)
        return ["--only", "collector-b"]

    def both_forms(root):
        write(j(root, shard[:-4]), content(root))

    def recut(root, move_last_line):
        """Insiders re-cut the shards (one line moved from shard 0 to shard 1, or all joined into records.jsonl),
        fix the manifest's files, re-sign it and rebuild the log: only the cut is wrong."""
        bundle = j(root, a9)
        manifest = json.loads(read(j(bundle, "manifest.json")))
        names = [f["name"] for f in manifest["files"] if f["name"].startswith("records")]
        contents = [content(root, j(a9, name + ".zst")) for name in names]
        for name in names:
            os.remove(j(bundle, name + ".zst"))
        if move_last_line:
            lines = contents[0].split(b"\n")[:-1]
            contents[0], contents[1] = b"".join(line + b"\n" for line in lines[:-1]), lines[-1] + b"\n" + contents[1]
            files = list(zip(names, contents))
        else:
            files = [("records.jsonl", b"".join(contents))]
        for name, data in files:
            write(j(bundle, name + ".zst"), zstandard.ZstdCompressor(level=3).compress(data))
        entries = [f for f in manifest["files"] if not f["name"].startswith("records")]
        entries += [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in files]
        manifest["files"] = sorted(entries, key=lambda f: f["name"].encode())
        resign(bundle, lambda _: (assay_verify.canonical(manifest) + b"\n").decode())
        rebuild_log(root)

    return [
        ("sharded: untouched", lambda root: [], True),
        ("sharded: a shard recompressed (another libzstd, level 19 and 1, two frames)", recompress, True),
        ("sharded: a shard stored plain", plain, True),
        ("sharded: a byte flipped in a compressed shard", flip_compressed, False),
        ("sharded: a byte flipped in a shard's content, recompressed", flip_content, False),
        ("sharded: a compressed shard truncated", lambda root: write(j(root, shard), read(j(root, shard))[:-7]), False),
        ("sharded: an empty .zst", lambda root: write(j(root, shard), b""), False),
        ("sharded: a shard that decompresses past its size", bomb, False),
        ("sharded: a shard left a Git LFS pointer", pointer, False),
        ("sharded: a Git LFS pointer outside --only", pointer_outside, True),
        ("sharded: a shard stored both plain and compressed", both_forms, False),
        ("sharded: a compressed shard replaced by a link to /dev/zero", lambda root: (os.remove(j(root, shard)), os.symlink("/dev/zero", j(root, shard))), False),
        ("sharded: a shard the manifest does not name", lambda root: write(j(root, a9, "records-00007.jsonl.zst"), read(j(root, shard))), False),
        ("sharded: a cut not greedy (insiders re-sign)", lambda root: recut(root, True), False),
        ("sharded: shards joined past shard_bytes (insiders re-sign)", lambda root: recut(root, False), False),
    ]


def scores_storage_cases():
    """Cases on datasets/sample's published scores stored as scores.json.zst (scoring.md §10, dataset.md §4.7, §8.5).
    (name, mutate, verifies)."""
    import zstandard
    j = os.path.join
    directory = "scores/gw-a/2026/01/03"
    plain, stored = j(directory, "scores.json"), j(directory, "scores.json.zst")

    def compress(root, level=9):
        data = read(j(root, plain))
        write(j(root, stored), zstandard.ZstdCompressor(level=level, write_checksum=True).compress(data))
        os.remove(j(root, plain))
        return data

    def two_frames(root):
        data = compress(root)
        half = len(data) // 2
        write(j(root, stored), zstandard.ZstdCompressor(level=19).compress(data[:half]) + zstandard.ZstdCompressor(level=1).compress(data[half:]))

    def flip_compressed(root):
        compress(root)
        data = bytearray(read(j(root, stored)))
        data[len(data) // 2] ^= 1
        write(j(root, stored), bytes(data))

    def flip_content(root):
        data = compress(root).replace(b'"verified":true', b'"verified":false')
        write(j(root, stored), zstandard.ZstdCompressor(level=3).compress(data))

    def bomb(root):
        """A valid stream that decompresses past the 64 MiB a scores document may be."""
        data = compress(root)
        write(j(root, stored), zstandard.ZstdCompressor(level=3).compress(data + b" " * (64 << 20)))

    def pointer(root):
        compress(root)
        write(j(root, stored), lfs_pointer(read(j(root, stored))))

    def pointer_outside(root):
        pointer(root)
        return ["--only", "gw-b"]

    def both_forms(root):
        data = compress(root)
        write(j(root, plain), data)

    def link(root):
        compress(root)
        os.remove(j(root, stored))
        os.symlink("/dev/zero", j(root, stored))

    return [
        ("scores: stored as scores.json.zst", compress, True),
        ("scores: scores.json.zst in two frames (levels 19 and 1)", two_frames, True),
        ("scores: a byte flipped in scores.json.zst", flip_compressed, False),
        ("scores: a byte of the content changed, recompressed", flip_content, False),
        ("scores: scores.json.zst truncated", lambda root: (compress(root), write(j(root, stored), read(j(root, stored))[:-5])), False),
        ("scores: scores.json.zst that decompresses past 64 MiB", bomb, False),
        ("scores: scores.json.zst left a Git LFS pointer", pointer, False),
        ("scores: a Git LFS pointer outside --only", pointer_outside, True),
        ("scores: stored both plain and compressed", both_forms, False),
        ("scores: scores.json.zst replaced by a link to /dev/zero", link, False),
    ]


def cosignature_line(name, key, text, timestamp):
    """An Ed25519 cosignature/v1 line (log.md §5) of a checkpoint text under key name `name`."""
    key_id = assay_verify.note_key_id(name, 4, key.public_key().public_bytes_raw())
    signed = key.sign(b"cosignature/v1\ntime %d\n" % timestamp + text)
    return ("\u2014 %s %s\n" % (name, base64.b64encode(key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signed).decode())).encode("utf-8")


def reassemble(root, size):
    """log/checkpoint from checkpoint `size`, its signature files and its cosignature files (log.md §7.3)."""
    j = os.path.join
    data = read(j(root, "log/checkpoints/%d/checkpoint" % size)) + b"\n"
    for kind_name in ("signatures", "cosignatures"):
        directory = j(root, "log/checkpoints/%d/%s" % (size, kind_name))
        for name in sorted(os.listdir(directory), key=lambda n: n.encode()) if os.path.isdir(directory) else []:
            data += read(j(directory, name))
    write(j(root, "log/checkpoint"), data)


def witness_cases():
    """Cases on datasets/sample, whose checkpoints witness w1 cosigns (log.md §8): (name, mutate, verifies)."""
    j = os.path.join
    witness_name = "witness.assay-demo.invalid/w1"

    def newest(root):
        return max(int(name) for name in os.listdir(j(root, "log/checkpoints")))

    def forged(root):
        size = newest(root)
        write(j(root, "log/checkpoints/%d/cosignatures/w1.sig" % size),
              cosignature_line(witness_name, OUTSIDER, read(j(root, "log/checkpoints/%d/checkpoint" % size)), 1767225600))
        reassemble(root, size)

    def stranger(root):
        size = newest(root)
        write(j(root, "log/checkpoints/%d/cosignatures/w2.sig" % size),
              cosignature_line("witness.example/w2", OUTSIDER, read(j(root, "log/checkpoints/%d/checkpoint" % size)), 1767225600))
        reassemble(root, size)

    def none_left(root):
        for size in os.listdir(j(root, "log/checkpoints")):
            shutil.rmtree(j(root, "log/checkpoints", size, "cosignatures"), ignore_errors=True)
        reassemble(root, newest(root))

    def newest_unwitnessed(root):
        size = newest(root)
        shutil.rmtree(j(root, "log/checkpoints/%d/cosignatures" % size))
        reassemble(root, size)

    def moved(root):
        sizes = sorted(int(name) for name in os.listdir(j(root, "log/checkpoints")))
        earlier = [size for size in sizes[:-1] if os.path.exists(j(root, "log/checkpoints/%d/cosignatures/w1.sig" % size))][-1]
        write(j(root, "log/checkpoints/%d/cosignatures/w1.sig" % sizes[-1]), read(j(root, "log/checkpoints/%d/cosignatures/w1.sig" % earlier)))
        reassemble(root, sizes[-1])

    def external_unwitnessed(root):
        size = newest(root)
        path = j(root, "..", "checkpoint")
        data = read(j(root, "log/checkpoints/%d/checkpoint" % size)) + b"\n" + b"".join(
            read(j(root, "log/checkpoints/%d/signatures" % size, name)) for name in sorted(os.listdir(j(root, "log/checkpoints/%d/signatures" % size))))
        write(path, data)
        return ["--checkpoint", path]

    return [
        ("witness: untouched", lambda root: [], True),
        ("witness: the newest cosignature forged under w1's name", forged, False),
        ("witness: a cosignature by a witness no policy names", stranger, False),
        ("witness: every cosignature removed (quorum never met)", none_left, False),
        ("witness: the newest checkpoint not cosigned yet (unwitnessed)", newest_unwitnessed, True),
        ("witness: an older cosignature copied onto the newest checkpoint", moved, False),
        ("witness: the witnesses file changed after approval",
         lambda root: write(j(root, "policy/0001/witnesses"), read(j(root, "policy/0001/witnesses")).replace(b"quorum w1", b"quorum none")), False),
        ("witness: --checkpoint without its cosignature (unwitnessed)", external_unwitnessed, True),
    ]


# ---------------------------------------------------------------- seeded mutations (--mutate N)

def demo_key(operator, seed=1):
    """The insecure, published key of a demo operator (datasets/README.md): anyone can sign as it."""
    digest = hashlib.sha256(b"assay-demo-insecure-key-v1\0" + str(seed).encode() + b"\0" + operator.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(digest)


def dataset_paths(root):
    """Every path under root (files and directories), relative, sorted; .git left out."""
    found = []
    for directory, names, files in os.walk(root):
        names[:] = sorted(n for n in names if not (directory == root and n.startswith(".")))
        for name in names + sorted(files):
            found.append(os.path.relpath(os.path.join(directory, name), root))
    return sorted(found)


def _json_numbers(value, path=()):
    """(path, integer) of every integer in a JSON value."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for key in sorted(value) for item in _json_numbers(value[key], path + (key,))]
    if isinstance(value, list):
        return [item for index, element in enumerate(value) for item in _json_numbers(element, path + (index,))]
    return []


def _set_path(value, path, new):
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = new


HOSTILE_NUMBERS = [0, -1, 1, 2 ** 53 - 1, 2 ** 53, 2 ** 63 - 1, 2 ** 63, -2 ** 63, 10 ** 30]


def mutate_once(root, rng):
    """One random change of the kinds an attacker makes; returns a description."""
    paths = dataset_paths(root)
    files = [p for p in paths if os.path.isfile(os.path.join(root, p)) and not os.path.islink(os.path.join(root, p))]
    directories = [p for p in paths if os.path.isdir(os.path.join(root, p)) and not os.path.islink(os.path.join(root, p))]
    target = rng.choice(files)
    absolute = os.path.join(root, target)
    kind = rng.choice(["flip", "flip", "remove", "remove-dir", "rename", "duplicate", "duplicate-dir", "link", "fifo",
                       "dir", "number", "number", "resign", "resign", "truncate", "append", "lines", "empty"])
    if kind == "flip":
        data = bytearray(read(absolute))
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        write(absolute, bytes(data))
    elif kind == "remove":
        os.remove(absolute)
    elif kind == "remove-dir":
        target = rng.choice(directories)
        shutil.rmtree(os.path.join(root, target))
    elif kind == "rename":
        new = target[:-4] + rng.choice([".json", ".sig", "x", ".jsonl"]) if len(target) > 4 else target + "x"
        if "/signatures/" in target and rng.random() < 0.5:
            new = os.path.join(os.path.dirname(target), rng.choice(["gw-d.sig", "GW.sig", "gw-a.sig", ".hidden.sig"]))
        if not os.path.exists(os.path.join(root, new)):
            os.rename(absolute, os.path.join(root, new))
        target = "%s -> %s" % (target, new)
    elif kind == "duplicate":
        new = os.path.join(os.path.dirname(target), rng.choice(["copy", "gw-z.sig", "records.jsonl", "manifest.json"]))
        if not os.path.exists(os.path.join(root, new)):
            shutil.copyfile(absolute, os.path.join(root, new))
        target = "%s -> %s" % (target, new)
    elif kind == "duplicate-dir":
        target = rng.choice([d for d in directories if d.count("/") == 4] or directories)
        new = os.path.join(os.path.dirname(target), rng.choice(["09", "31", "00", "2x"]))
        if not os.path.exists(os.path.join(root, new)):
            shutil.copytree(os.path.join(root, target), os.path.join(root, new))
        target = "%s -> %s" % (target, new)
    elif kind == "link":
        destination = rng.choice(["/dev/zero", "/dev/null", "/etc/hostname", os.path.join(root, rng.choice(files)), root])
        os.remove(absolute)
        os.symlink(destination, absolute)
        target = "%s -> %s" % (target, destination)
    elif kind == "fifo":
        os.remove(absolute)
        os.mkfifo(absolute)
    elif kind == "dir":
        os.remove(absolute)
        os.mkdir(absolute)
    elif kind == "truncate":
        data = read(absolute)
        write(absolute, data[:rng.randrange(len(data) + 1)])
    elif kind == "append":
        write(absolute, read(absolute) + rng.choice([b"\n", b"{}\n", b"garbage", read(absolute)[:200]]))
    elif kind == "empty":
        write(absolute, b"")
    elif kind == "lines" and target.endswith(".jsonl"):
        lines = read(absolute).split(b"\n")[:-1]
        if len(lines) > 1:
            i, k = rng.randrange(len(lines)), rng.randrange(len(lines))
            action = rng.choice(["swap", "drop", "dup"])
            if action == "swap":
                lines[i], lines[k] = lines[k], lines[i]
            elif action == "drop":
                del lines[i]
            else:
                lines.insert(i, lines[k])
            write(absolute, b"".join(line + b"\n" for line in lines))
    elif kind in ("number", "resign"):
        documents = [p for p in files if p.endswith((".json", ".jsonl"))]
        target = rng.choice(documents)
        absolute = os.path.join(root, target)
        data = read(absolute)
        if target.endswith(".jsonl"):
            lines = data.split(b"\n")[:-1]
            if not lines:
                return "%s %s (empty)" % (kind, target)
            index = rng.randrange(len(lines))
            try:
                value = assay_verify.parse_json(lines[index])
            except assay_verify.Invalid:
                return "%s %s (not JSON)" % (kind, target)
            numbers = _json_numbers(value)
            if numbers:
                path, old = rng.choice(numbers)
                _set_path(value, path, rng.choice(HOSTILE_NUMBERS + [old + 1, old - 1]))
            try:
                lines[index] = assay_verify.canonical(value)
            except assay_verify.Invalid:
                pass
            write(absolute, b"".join(line + b"\n" for line in lines))
        else:
            try:
                value = assay_verify.parse_json(data)
            except assay_verify.Invalid:
                return "%s %s (not JSON)" % (kind, target)
            numbers = _json_numbers(value)
            if numbers:
                path, old = rng.choice(numbers)
                _set_path(value, path, rng.choice(HOSTILE_NUMBERS + [old + 1, old - 1]))
                target += " " + "/".join(str(p) for p in path)
            try:
                write(absolute, assay_verify.canonical(value) + b"\n")
            except assay_verify.Invalid:
                pass
        if kind == "resign" and os.path.basename(absolute) in ("manifest.json", "scores.json", "policy.json"):
            # Insiders (the demo keys are public) re-sign the changed document as every signer.
            document = read(absolute)
            namespace = {"manifest.json": "assay-manifest-v1", "scores.json": "assay-scores-v1",
                         "policy.json": "assay-policy-v1"}[os.path.basename(absolute)]
            signatures = os.path.join(os.path.dirname(absolute), "signatures")
            for name in sorted(os.listdir(signatures)) if os.path.isdir(signatures) else []:
                if name.endswith(".sig"):
                    write(os.path.join(signatures, name), sshsig(demo_key(name[:-4]), document, namespace))
    return "%s %s" % (kind, target)


def mutation_run(count, seed, source):
    """`count` seeded mutations of `source` (1–3 changes each): both verifiers must give the same verdict
    and the same findings (severity, rule, path). Prints one line per disagreement and a summary."""
    import random
    failures = 0
    outcomes = {}
    started = time.time()
    for number in range(count):
        rng = random.Random(seed * 1_000_003 + number)
        with tempfile.TemporaryDirectory() as scratch:
            root = os.path.join(scratch, "dataset")
            shutil.copytree(source, root, symlinks=True)
            changes = [mutate_once(root, rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
            process = subprocess.Popen([SWIFT, root, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            python = assay_verify.verify(root)
            try:
                output, _ = process.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                output = b""
            try:
                swift = json.loads(output)
            except ValueError:
                failures += 1
                print("FAIL  mutation %d (%s): assay-verify gave no report (exit %s)" % (number, "; ".join(changes), process.returncode))
                continue
            agree = swift["ok"] == python["ok"] and findings(swift) == findings(python) and (process.returncode == 0) == swift["ok"]
            if not agree:
                failures += 1
                print("FAIL  mutation %d (%s)" % (number, "; ".join(changes)))
                print("      only Swift:  %s" % sorted(set(findings(swift)) - set(findings(python))))
                print("      only Python: %s" % sorted(set(findings(python)) - set(findings(swift))))
            verdict = "verifies" if swift["ok"] else ",".join(sorted({f[1] for f in findings(swift) if f[0] == "error"})[:3])
            outcomes[verdict] = outcomes.get(verdict, 0) + 1
        if (number + 1) % 50 == 0:
            print("  %d mutations, %d disagreements, %.0f s" % (number + 1, failures, time.time() - started), flush=True)
    print("%d mutations of %s (seed %d): %d agreed, %d disagreed; %.0f s" % (
        count, os.path.relpath(source, ROOT), seed, count - failures, failures, time.time() - started))
    common = sorted(outcomes.items(), key=lambda item: -item[1])[:12]
    print("most frequent verdicts: " + "; ".join("%s %d" % item for item in common))
    return 1 if failures else 0


def findings(report):
    return sorted((f["severity"], f["rule"], f["path"]) for f in report["findings"])


def main(argv):
    global SWIFT
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["--mutate"]:
        count, argv = int(argv[1]), argv[2:]
        seed = 1
        if argv[:1] == ["--seed"]:
            seed, argv = int(argv[1]), argv[2:]
        if not argv:
            print(__doc__)
            return 2
        SWIFT = os.path.abspath(argv[0])
        source = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(ROOT, "datasets", "sample")
        return mutation_run(count, seed, source)
    if not argv:
        print(__doc__)
        return 2
    SWIFT = os.path.abspath(argv[0])
    source = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(ROOT, "spec", "vectors", "dataset")
    failures = 0
    verifying = ("untouched", "fresh enough (--max-age)", "published scores", "genesis re-issued, not pinned (trusted on first use)",
                 "--checkpoint: an older checkpoint of this log (consistent)")
    all_cases = [(name, mutate, source, name in verifying) for name, mutate in cases()]
    if len(argv) <= 1:
        policy_source = os.path.join(ROOT, "spec", "vectors", "policy", "dataset")
        all_cases += [(name, mutate, policy_source, ok) for name, mutate, ok in policy_cases()]
        sample = os.path.join(ROOT, "datasets", "sample")
        all_cases += [(name, mutate, sample, ok) for name, mutate, ok in witness_cases()]
        all_cases += [(name, mutate, sample, ok) for name, mutate, ok in scores_storage_cases()]
        sharded = os.path.join(ROOT, "spec", "vectors", "sharded")
        all_cases += [(name, mutate, sharded, ok) for name, mutate, ok in storage_cases()]
    for name, mutate, case_source, expected_ok in all_cases:
        with tempfile.TemporaryDirectory() as scratch:
            root = os.path.join(scratch, "dataset")
            shutil.copytree(case_source, root)
            result = mutate(root)
            extra = result if isinstance(result, list) else []
            swift_run = subprocess.run([SWIFT, root, "--json"] + extra, capture_output=True)
            try:
                swift = json.loads(swift_run.stdout)
            except ValueError:
                print("FAIL  %s: assay-verify printed no report (%s)" % (name, swift_run.stderr.decode().strip()))
                failures += 1
                continue
            options = {}
            pairs = dict(zip(extra[::2], extra[1::2]))
            for flag, value in zip(extra[::2], extra[1::2]):
                if flag == "--policy":
                    options["policy"] = assay_verify.load_pinned_policy(value, int(pairs["--threshold"]) if "--threshold" in pairs else None)
                elif flag == "--trust":
                    options["trust"] = value
                elif flag == "--threshold":
                    options["threshold"] = int(value)
                elif flag == "--max-age":
                    options["max_age"] = int(value)
                elif flag == "--today":
                    options["today"] = assay_verify.parse_day(value)
                elif flag == "--state":
                    options["state"] = assay_verify.parse_state(read(value))
                elif flag == "--checkpoint":
                    options["checkpoint"] = read(value)
                elif flag == "--only":
                    options["selection"] = assay_verify.parse_selection([value])
            python = assay_verify.verify(root, **options)
            agree = swift["ok"] == python["ok"] and findings(swift) == findings(python) \
                and (swift_run.returncode == 0) == swift["ok"]
            if not agree or swift["ok"] != expected_ok:
                failures += 1
                print("FAIL  %s" % name)
                print("      swift:  ok=%s %s" % (swift["ok"], findings(swift)))
                print("      python: ok=%s %s" % (python["ok"], findings(python)))
            else:
                rules = sorted({f[1] for f in findings(swift) if f[0] == "error"})
                print("agree %-48s %s" % (name, "verifies" if swift["ok"] else "fails: " + ", ".join(rules)))
    total = len(all_cases)
    print("%d passed, %d failed" % (total - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
