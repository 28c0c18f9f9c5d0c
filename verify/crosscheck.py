#!/usr/bin/env python3
"""Runs the Swift and the independent Python verifier on a dataset and on
tampered copies of it, and fails unless they agree on every case: the same
verdict and the same findings (severity, rule, path).

    python3 verify/crosscheck.py ASSAY_VERIFY_BINARY [DATASET]

DATASET defaults to spec/vectors/dataset, whose signing keys are public test
vectors (spec/vectors/README.md), so the "insider" cases can re-sign.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import assay_verify  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
VECTOR_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"assay spec vector key 1").digest())


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
        key = read(j(root, "allowed_signers")).decode().split("\n")[0].split(" ", 2)[2]
        write(j(root, "..", "policy"), ('vector-signer namespaces="assay-manifest-v1",valid-before="20260110Z" %s\n' % key).encode())
        return ["--policy", j(root, "..", "policy")]

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

    def publish_scores(root, grant=True, sign=True, change=None):
        """Publishes the scores of 2026-01-11 as a collector would (scoring.md §10), computed by assay-verify score."""
        if grant:
            text = read(j(root, "allowed_signers")).decode()
            write(j(root, "allowed_signers"), text.replace('namespaces="assay-manifest-v1,git"',
                                                           'namespaces="assay-manifest-v1,assay-scores-v1,git"').encode())
        scores = subprocess.run([SWIFT, "score", "--dataset", root, "--day", "2026-01-11"], capture_output=True, check=True).stdout
        if change:
            scores = change(scores)
        directory = j(root, "scores/collector-a/2026/01/11")
        os.makedirs(j(directory, "signatures"))
        write(j(directory, "scores.json"), scores)
        if sign:
            write(j(directory, "signatures", "vector-signer.sig"), sshsig(VECTOR_KEY, scores, "assay-scores-v1"))

    return [
        ("untouched", lambda root: []),
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
        ("allowed_signers broken", lambda root: write(j(root, "allowed_signers"), b"x cert-authority ssh-ed25519 AAAA\n")),
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
        ("policy: the genesis rewritten",
         lambda root: write(j(root, "allowed_signers"), read(j(root, "allowed_signers")) + b"# rewritten\n"), False),
        ("policy: a revocation lifted by insiders", drop_revocation, False),
        ("policy: a gap in the versions", lambda root: shutil.copytree(j(root, "policy/0004"), j(root, "policy/0006")), False),
        ("policy: a stray file in a version", lambda root: write(j(root, "policy/0002/notes.txt"), b"x"), False),
        ("policy: a co-signature missing after the revocation", lambda root: os.remove(j(root, d4, "signatures/gw-b.sig")), False),
        ("policy: the rotated-out key signing after the rotation",
         lambda root: write(j(root, d3, "signatures/gw-b.sig"), sshsig(policy_key("gw-b"), read(j(root, d3, "manifest.json")))), False),
    ]


def findings(report):
    return sorted((f["severity"], f["rule"], f["path"]) for f in report["findings"])


def main(argv):
    global SWIFT
    if not argv:
        print(__doc__)
        return 2
    SWIFT = os.path.abspath(argv[0])
    source = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(ROOT, "spec", "vectors", "dataset")
    failures = 0
    verifying = ("untouched", "fresh enough (--max-age)", "published scores")
    all_cases = [(name, mutate, source, name in verifying) for name, mutate in cases()]
    if len(argv) <= 1:
        policy_source = os.path.join(ROOT, "spec", "vectors", "policy", "dataset")
        all_cases += [(name, mutate, policy_source, ok) for name, mutate, ok in policy_cases()]
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
            for flag, value in zip(extra[::2], extra[1::2]):
                if flag == "--policy":
                    options["policy"] = assay_verify.load_pinned_policy(value)
                elif flag == "--threshold":
                    options["threshold"] = int(value)
                elif flag == "--max-age":
                    options["max_age"] = int(value)
                elif flag == "--today":
                    options["today"] = assay_verify.parse_day(value)
                elif flag == "--state":
                    options["state"] = assay_verify.parse_json(read(value))
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
